//! The Gmail half of `cargo xtask demo`: runs the `google-emulator` binary (generated mail,
//! auto-approved consent, HTTPS with its test CA), keeps its `--print-config` output as the
//! helpr config file, and plays the user's browser for `helpr connect gmail --no-browser`
//! (a plain-HTTP GET of the printed URL on 127.0.0.1, following the redirect to helpr's
//! loopback listener). Demo infrastructure only: nothing here runs against Google.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{bail, Context, Result};

/// A running emulator; killed on drop.
pub struct RunningEmulator {
    child: Child,
    pub config: PathBuf,
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the emulator binary `exe` with `messages` generated messages; writes its helpr
/// config to `dir/gmail.toml`.
pub fn start(exe: &Path, dir: &Path, messages: usize, seed: u64) -> Result<RunningEmulator> {
    let mut child = Command::new(exe)
        .args([
            "--generate",
            &messages.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .args(["--auto-approve", "--print-config"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("could not start google-emulator")?;
    let mut out = BufReader::new(child.stdout.take().context("no emulator stdout")?);
    // The config ends with the line closing its CA certificate's multi-line string.
    let mut text = String::new();
    let mut in_ca = false;
    loop {
        let mut line = String::new();
        if out.read_line(&mut line)? == 0 {
            bail!("google-emulator exited before printing its configuration");
        }
        text.push_str(&line);
        if line.starts_with("extra_ca_pem = \"\"\"") {
            in_ca = true;
        } else if in_ca && line.trim_end() == "\"\"\"" {
            break;
        }
    }
    let config = dir.join("gmail.toml");
    std::fs::write(&config, text)?;
    Ok(RunningEmulator { child, config })
}

/// `helpr connect gmail --config … --no-browser`, answering the consent URL it prints.
pub fn connect(helpr: &Path, data_dir: &Path, config: &Path) -> Result<()> {
    let mut child = Command::new(helpr)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["connect", "gmail", "--no-browser", "--config"])
        .arg(config)
        .stderr(Stdio::piped())
        .spawn()
        .context("could not run helpr connect")?;
    let mut err = BufReader::new(child.stderr.take().context("no helpr stderr")?);
    let url = loop {
        let mut line = String::new();
        if err.read_line(&mut line)? == 0 {
            child.wait()?;
            bail!("helpr connect printed no authorization URL");
        }
        eprint!("{line}");
        if line.starts_with("http://") {
            break line.trim().to_owned();
        }
    };
    println!("(the demo plays the browser: consent is auto-approved by the emulator)");
    browse(&url)?;
    let mut rest = String::new();
    err.read_to_string(&mut rest)?;
    eprint!("{rest}");
    let status = child.wait()?;
    if !status.success() {
        bail!("helpr connect failed ({status})");
    }
    Ok(())
}

/// GETs `url` (plain HTTP on 127.0.0.1), following up to five redirects.
fn browse(url: &str) -> Result<()> {
    let mut url = url.to_owned();
    for _ in 0..5 {
        let rest = url
            .strip_prefix("http://127.0.0.1:")
            .context("the demo browser only visits http://127.0.0.1")?;
        let (port, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let path = if path.is_empty() { "/" } else { path };
        let mut stream = TcpStream::connect(("127.0.0.1", port.parse::<u16>()?))?;
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
        )?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        let location = response
            .lines()
            .take_while(|l| !l.is_empty())
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("location")
                    .then(|| value.trim().to_owned())
            });
        match location {
            Some(next) => url = next,
            None => return Ok(()),
        }
    }
    bail!("too many redirects")
}
