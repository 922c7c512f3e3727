//! `cargo xtask package`: a Debian package of helpr built from this checkout, made with Debian's
//! own `dpkg-deb`: `target/package/helpr_<version>_<arch>.deb` holding the desktop app
//! (`/usr/bin/helpr-desktop`, a menu entry and its icons) and the CLI (`/usr/bin/helpr`), both
//! release builds. It installs with `apt install ./helpr_*.deb` on Debian 12.
//!
//! `Depends` is found the way `dpkg-shlibdeps` finds it: the packages that own the shared
//! libraries the two programs link directly (`readelf -d`'s `NEEDED`, located by `ldd`, owned
//! per `dpkg -S`). A Secret Service is recommended
//! (the vault's key lives there; without one the vault stays locked).
//!
//! `--check` then installs the package with apt (root only) and starts what it installed:
//! `helpr --version`, and `helpr-desktop` on a virtual display, which must still be running
//! after a few seconds (it opens to the locked screen on a machine without a keychain).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};

use crate::steps::Steps;
use crate::{deps, process, workspace};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Install the package with apt afterwards and start what it installed (needs root).
    #[arg(long)]
    pub check: bool,
}

/// What goes into the package, from this checkout.
struct Contents {
    version: String,
    arch: String,
    desktop: PathBuf,
    cli: PathBuf,
}

pub fn run(args: &Args) -> Result<()> {
    let mut steps = Steps::new("package", false);
    steps.run("prerequisites: system packages, node, npm ci", || {
        deps::ensure_packages(&[deps::DESKTOP_PACKAGES])?;
        deps::ensure_node()?;
        deps::npm_install()
    })?;
    steps.run("ui: npm run build", || {
        process::run(deps::npm().args(["run", "build"]))
    })?;
    let mut built = None;
    steps.run("release build: helpr-desktop and helpr", || {
        built = Some((
            workspace::build_desktop_release()?,
            workspace::build_cli_release()?,
        ));
        Ok(())
    })?;
    let (desktop, cli) = built.context("the build made no binaries")?;
    let contents = Contents {
        version: workspace_version()?,
        arch: process::output(Command::new("dpkg").arg("--print-architecture"))?
            .trim()
            .to_owned(),
        desktop,
        cli,
    };
    let out_dir = workspace::target_dir().join("package");
    let mut deb = PathBuf::new();
    steps.run("dpkg-deb --build", || {
        deb = build_deb(&contents, &out_dir)?;
        println!("{}", deb.display());
        Ok(())
    })?;
    if args.check {
        steps.run(
            "apt install the package and start what it installed",
            || check_installed(&deb),
        )?;
    }
    steps.finish()
}

/// The workspace's version (`[workspace.package] version`).
fn workspace_version() -> Result<String> {
    let manifest = std::fs::read_to_string(workspace::root().join("Cargo.toml"))?;
    let value: toml::Table = manifest.parse()?;
    value["workspace"]["package"]["version"]
        .as_str()
        .map(str::to_owned)
        .context("no [workspace.package] version in Cargo.toml")
}

fn build_deb(contents: &Contents, out_dir: &Path) -> Result<PathBuf> {
    let name = format!("helpr_{}_{}", contents.version, contents.arch);
    let stage = out_dir.join(&name);
    if stage.exists() {
        std::fs::remove_dir_all(&stage)?;
    }
    let install = |from: &Path, to: &str, mode: u32| -> Result<()> {
        let target = stage.join(to);
        std::fs::create_dir_all(target.parent().context("no parent")?)?;
        std::fs::copy(from, &target)
            .with_context(|| format!("copying {} to {}", from.display(), target.display()))?;
        set_mode(&target, mode)
    };
    let write = |to: &str, text: &str| -> Result<()> {
        let target = stage.join(to);
        std::fs::create_dir_all(target.parent().context("no parent")?)?;
        std::fs::write(&target, text)?;
        set_mode(&target, 0o644)
    };
    install(&contents.desktop, "usr/bin/helpr-desktop", 0o755)?;
    install(&contents.cli, "usr/bin/helpr", 0o755)?;
    let icons = workspace::root().join("src-tauri/icons");
    for (file, size) in [
        ("32x32.png", "32x32"),
        ("128x128.png", "128x128"),
        ("128x128@2x.png", "256x256"),
    ] {
        install(
            &icons.join(file),
            &format!("usr/share/icons/hicolor/{size}/apps/helpr.png"),
            0o644,
        )?;
    }
    write("usr/share/applications/helpr.desktop", DESKTOP_ENTRY)?;
    write("usr/share/doc/helpr/copyright", &copyright()?)?;
    let depends = shared_library_packages(&[&contents.desktop, &contents.cli])?;
    let installed_kib = dir_size(&stage)?.div_ceil(1024);
    write(
        "DEBIAN/control",
        &control(contents, &depends, installed_kib),
    )?;
    let deb = out_dir.join(format!("{name}.deb"));
    process::run(
        Command::new("dpkg-deb")
            .args(["--build", "--root-owner-group", "-Zxz"])
            .arg(&stage)
            .arg(&deb),
    )?;
    process::run(Command::new("dpkg-deb").arg("--info").arg(&deb))?;
    Ok(deb)
}

const DESKTOP_ENTRY: &str = "[Desktop Entry]
Type=Application
Name=helpr
GenericName=Team inbox
Comment=Shared team inboxes with no plaintext at rest
Exec=helpr-desktop
Icon=helpr
Terminal=false
Categories=Network;Email;Office;
Keywords=mail;email;inbox;gmail;support;
StartupWMClass=helpr-desktop
";

fn control(contents: &Contents, depends: &BTreeSet<String>, installed_kib: u64) -> String {
    let depends: Vec<&str> = depends.iter().map(String::as_str).collect();
    format!(
        "Package: helpr\n\
         Version: {version}\n\
         Architecture: {arch}\n\
         Maintainer: helpr <team@helpr.app>\n\
         Installed-Size: {installed_kib}\n\
         Depends: {depends}\n\
         Recommends: gnome-keyring | kwalletmanager\n\
         Section: mail\n\
         Priority: optional\n\
         Homepage: https://helpr.app\n\
         Description: shared team inboxes with no plaintext at rest\n \
         helpr reads, searches and answers Gmail-connected team inboxes from a local,\n \
         encrypted vault (SQLCipher, per-tenant AES-256-GCM keys, the key-encryption key\n \
         in the OS keychain) with an encrypted search index.\n",
        version = contents.version,
        arch = contents.arch,
        depends = depends.join(", "),
    )
}

fn copyright() -> Result<String> {
    let license = std::fs::read_to_string(workspace::root().join("Cargo.toml"))?
        .parse::<toml::Table>()?["workspace"]["package"]
        .get("license")
        .and_then(|l| l.as_str())
        .unwrap_or("see the source")
        .to_owned();
    Ok(format!(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
         Upstream-Name: helpr\n\n\
         Files: *\n\
         License: {license}\n"
    ))
}

/// The sonames `program` links directly (`readelf -d`: its `NEEDED` entries).
fn needed(program: &Path) -> Result<BTreeSet<String>> {
    let dynamic = process::output(Command::new("readelf").arg("-d").arg(program))?;
    Ok(dynamic
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| Some(l.split_once('[')?.1.split_once(']')?.0.to_owned()))
        .collect())
}

/// The Debian packages owning the shared libraries `programs` link directly (what
/// `dpkg-shlibdeps` lists: each library's own dependencies are its package's business).
fn shared_library_packages(programs: &[&Path]) -> Result<BTreeSet<String>> {
    let mut libraries = BTreeSet::new();
    for program in programs {
        let direct = needed(program)?;
        let listing = process::output(Command::new("ldd").arg(program))?;
        for line in listing.lines() {
            // `libfoo.so.1 => /lib/x86_64-linux-gnu/libfoo.so.1 (0x…)`
            let Some((soname, rest)) = line.trim().split_once("=>") else {
                continue;
            };
            if !direct.contains(soname.trim()) {
                continue;
            }
            if let Some(path) = rest
                .split_whitespace()
                .next()
                .filter(|p| p.starts_with('/'))
            {
                libraries.insert(path.to_owned());
            }
            ensure!(
                !line.contains("not found"),
                "{} needs a library this machine lacks: {line}",
                program.display()
            );
        }
    }
    let mut packages = BTreeSet::new();
    for library in &libraries {
        // Debian 12 merges /lib into /usr/lib, and dpkg knows each file only under the path
        // its package shipped: ask for the name ldd printed, its other half of the merge, and
        // the file the link resolves to.
        let mut candidates = vec![library.clone()];
        if let Some(rest) = library.strip_prefix("/usr/lib/") {
            candidates.push(format!("/lib/{rest}"));
        } else if let Some(rest) = library.strip_prefix("/lib/") {
            candidates.push(format!("/usr/lib/{rest}"));
        }
        if let Ok(real) = std::fs::canonicalize(library) {
            candidates.push(real.display().to_string());
        }
        let owner = candidates.iter().find_map(|path| {
            process::output(
                Command::new("dpkg")
                    .args(["-S", path])
                    .stderr(Stdio::null()),
            )
            .ok()
        });
        let Some(owner) = owner else {
            bail!("no Debian package owns {library}");
        };
        let package = owner
            .split(':')
            .next()
            .context("dpkg -S printed nothing")?
            .trim()
            .to_owned();
        packages.insert(package);
    }
    Ok(packages)
}

fn dir_size(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            dir_size(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    Ok(())
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> Result<()> {
    Ok(())
}

/// Installs `deb` with apt and starts both programs from their installed paths.
fn check_installed(deb: &Path) -> Result<()> {
    process::run(
        Command::new("apt-get")
            .args(["install", "-y", "--reinstall"])
            .arg(deb)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    let version = process::output(Command::new("/usr/bin/helpr").arg("--version"))?;
    println!("installed: {}", version.trim());
    let display = crate::xvfb::VirtualDisplay::start()?;
    let data = tempfile::tempdir()?;
    let mut app = Command::new("/usr/bin/helpr-desktop")
        .arg("--data-dir")
        .arg(data.path())
        .env("DISPLAY", display.display())
        .stdin(Stdio::null())
        .spawn()
        .context("starting the installed helpr-desktop")?;
    std::thread::sleep(Duration::from_secs(8));
    let still_running = app.try_wait()?.is_none();
    let _ = app.kill();
    let _ = app.wait();
    ensure!(
        still_running,
        "the installed helpr-desktop exited within 8 s of starting"
    );
    println!(
        "installed helpr-desktop started and kept running on {}",
        display.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_control_file_names_the_package_its_dependencies_and_the_keychain() {
        let contents = Contents {
            version: "0.1.0".into(),
            arch: "amd64".into(),
            desktop: PathBuf::new(),
            cli: PathBuf::new(),
        };
        let depends: BTreeSet<String> = ["libc6", "libwebkit2gtk-4.1-0"]
            .into_iter()
            .map(String::from)
            .collect();
        let text = control(&contents, &depends, 42_000);
        assert!(text.starts_with("Package: helpr\nVersion: 0.1.0\nArchitecture: amd64\n"));
        assert!(text.contains("\nDepends: libc6, libwebkit2gtk-4.1-0\n"));
        assert!(text.contains("\nRecommends: gnome-keyring"));
        assert!(text.contains("\nInstalled-Size: 42000\n"));
        // Every description continuation line starts with a space, as deb-control(5) wants.
        let description = text.split("Description:").nth(1).unwrap();
        assert!(description.lines().skip(1).all(|l| l.starts_with(' ')));
    }

    #[test]
    fn the_menu_entry_starts_the_installed_app() {
        assert!(DESKTOP_ENTRY.contains("\nExec=helpr-desktop\n"));
        assert!(DESKTOP_ENTRY.contains("\nIcon=helpr\n"));
    }
}
