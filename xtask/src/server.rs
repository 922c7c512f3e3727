//! `cargo xtask server`: a local team server for the demo and by hand, built from this
//! checkout. It keeps its state in `target/team-server` (`--dir`), its root key in a 0600 key
//! file there (no keychain needed), and makes the organization "Demo" with an owner whose
//! address and generated password it prints (and keeps in `owner.txt`, 0600) the first time.
//!
//! `--postgres` runs a throw-away PostgreSQL 15 cluster from the installed binaries
//! (`pg-scratch`) and keeps the state there instead; `--replicas N` then starts N servers on
//! consecutive ports, all serving that database, so a desktop on one sees changes made through
//! another. `--gmail` also runs the google-emulator with generated mail and hands its
//! configuration to the servers, so an admin can connect a shared inbox without Google.
//! `--smoke` stops once everything has started (the gate runs it so that this command cannot
//! rot); otherwise it runs until Ctrl-C.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::workspace::{self, Targets};
use crate::{demo_gmail, deps};

/// The organization's owner, made at first start.
const OWNER_EMAIL: &str = "owner@helpr.test";
const OWNER_NAME: &str = "Demo Owner";
const ORG_NAME: &str = "Demo";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where the servers keep their data directories, key file and the owner's credentials.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// The first server's port on 127.0.0.1; further replicas take the next ones (0: any free).
    #[arg(long, default_value_t = 7443)]
    pub port: u16,
    /// Keep the state in a throw-away PostgreSQL 15 cluster (gone when this command ends).
    #[arg(long)]
    pub postgres: bool,
    /// How many servers serve the database (more than one needs --postgres).
    #[arg(long, default_value_t = 1)]
    pub replicas: u16,
    /// Also run the google-emulator and turn on the servers' Gmail broker.
    #[arg(long)]
    pub gmail: bool,
    /// Stop once every server has started (a check, not a session).
    #[arg(long)]
    pub smoke: bool,
}

/// A server process; killed on drop. Its stdout is kept open (it prints only at start).
struct Running {
    child: Child,
    _stdout: BufReader<ChildStdout>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn run(args: &Args) -> Result<()> {
    if args.replicas == 0 {
        bail!("--replicas must be at least 1");
    }
    if args.replicas > 1 && !args.postgres {
        bail!("several replicas share one database: add --postgres");
    }
    if args.postgres {
        deps::ensure_packages(&[deps::POSTGRES_PACKAGES])?;
    }
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => workspace::target_dir().join("team-server"),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    // Every binary is built, as the demo does (one feature set, so the gate's build is reused);
    // the desktop's embeds ui/dist.
    deps::ensure_packages(&[deps::DESKTOP_PACKAGES])?;
    ensure_ui_dist()?;
    let binaries = workspace::build_workspace(Targets::Bins)?;
    let server_exe = binaries.get(workspace::SERVER_BIN)?;

    let cluster = if args.postgres {
        let cluster = pg_scratch::Cluster::start().context("starting PostgreSQL 15")?;
        println!("PostgreSQL 15 (throw-away): {}", cluster.url());
        Some(cluster)
    } else {
        None
    };
    let database = cluster.as_ref().map(pg_scratch::Cluster::url);
    let emulator = if args.gmail {
        let exe = binaries.get(workspace::EMULATOR_BIN)?;
        Some(demo_gmail::start(&exe, &dir, 200, 1)?)
    } else {
        None
    };
    let gmail_config = emulator.as_ref().map(|e| e.config.clone());

    let key_file = dir.join("root.key");
    let server = |replica: u16| -> Command {
        let mut cmd = Command::new(&server_exe);
        let data_dir = match database {
            Some(_) => dir.join(format!("replica-{replica}")),
            None => dir.join("data"),
        };
        cmd.arg("--data-dir").arg(data_dir);
        cmd.arg("--key-file").arg(&key_file);
        if let Some(url) = &database {
            cmd.env("HELPR_SERVER_DATABASE", url);
        }
        if let Some(config) = &gmail_config {
            cmd.arg("--gmail-config").arg(config);
        }
        cmd
    };

    // The organization, once per database: a kept SQLite state remembers it; a throw-away
    // cluster is new every time.
    let credentials = dir.join("owner.txt");
    if database.is_some() || !credentials.exists() || !dir.join("data").exists() {
        let password = random_password()?;
        let mut create = server(0);
        create
            .args([
                "create-org",
                "--name",
                ORG_NAME,
                "--owner-name",
                OWNER_NAME,
                "--owner-email",
                OWNER_EMAIL,
            ])
            .env("HELPR_SERVER_OWNER_PASSWORD", &password)
            .stdin(Stdio::null());
        crate::process::run(&mut create)?;
        write_private(&credentials, &format!("{OWNER_EMAIL}\n{password}\n"))?;
    }
    let owner = std::fs::read_to_string(&credentials)
        .with_context(|| format!("reading {}", credentials.display()))?;
    let password = owner.lines().nth(1).unwrap_or_default();

    let mut running = Vec::new();
    for replica in 0..args.replicas {
        let port = if args.port == 0 {
            0
        } else {
            args.port + replica
        };
        let mut cmd = server(replica);
        cmd.args(["--listen", &format!("127.0.0.1:{port}")])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().context("starting helpr-server")?;
        let mut stdout = BufReader::new(child.stdout.take().context("no server stdout")?);
        let (address, fingerprint) = read_start(&mut stdout)
            .with_context(|| format!("helpr-server on port {port} did not start"))?;
        println!("server {}: {address}", replica + 1);
        println!("  fingerprint: {fingerprint}");
        println!("  sign in:     helpr team sign-in {address} --fingerprint {fingerprint}");
        running.push(Running {
            child,
            _stdout: stdout,
        });
    }
    println!("organization {ORG_NAME}: owner {OWNER_EMAIL}, password {password}");
    println!("  (kept in {})", credentials.display());
    if args.gmail {
        println!("Gmail: the google-emulator serves generated mail; connect a shared inbox from Settings → Team");
    }
    if args.smoke {
        println!("smoke check: every server started");
        return Ok(());
    }
    println!(
        "Ctrl-C stops {}",
        if args.replicas > 1 { "them" } else { "it" }
    );
    for mut server in running {
        let status = server.child.wait()?;
        if !status.success() {
            bail!("helpr-server ended: {status}");
        }
    }
    drop(cluster);
    Ok(())
}

/// The address and fingerprint a starting server prints.
fn read_start(stdout: &mut BufReader<ChildStdout>) -> Result<(String, String)> {
    let mut address = None;
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line)? == 0 {
            bail!("it exited (its errors are above)");
        }
        if let Some(a) = line.trim().strip_prefix("helpr-server listening on ") {
            address = Some(a.to_owned());
        } else if let Some(f) = line
            .trim()
            .strip_prefix("certificate fingerprint (SHA-256): ")
        {
            return Ok((
                address.context("no address before the fingerprint")?,
                f.to_owned(),
            ));
        }
    }
}

/// 24 characters from the kernel's random source (base64url of 18 bytes).
fn random_password() -> Result<String> {
    use base64::Engine as _;
    let mut bytes = [0u8; 18];
    let mut random = std::fs::File::open("/dev/urandom")?;
    std::io::Read::read_exact(&mut random, &mut bytes)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Writes `text` to `path`, readable by its owner only.
fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

/// The workspace build embeds `ui/dist` in the desktop app: build it when it is missing.
fn ensure_ui_dist() -> Result<()> {
    if workspace::ui_dir().join("dist").join("index.html").exists() {
        return Ok(());
    }
    deps::ensure_node()?;
    deps::npm_install()?;
    crate::process::run(deps::npm().args(["run", "build"]))
}
