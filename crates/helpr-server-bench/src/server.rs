//! The real `helpr-server` binary as a child process: `create-org` for the first owner, then
//! serving on a loopback port the kernel picks (its address and certificate fingerprint read
//! from what it prints), its resident memory (now and peak) read from `/proc/<pid>/status`, and a stop with
//! SIGINT (as Ctrl-C), SIGKILL if it lingers or the bench fails first.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// Why a server process did not do what the bench needs.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("could not run {bin}: {source}")]
    Spawn {
        bin: PathBuf,
        source: std::io::Error,
    },
    #[error("helpr-server {what} failed ({status}); its log ends:\n{log}")]
    Failed {
        what: &'static str,
        status: String,
        log: String,
    },
    #[error("helpr-server printed no {0} before its output ended; its log ends:\n{1}")]
    NoAnnouncement(&'static str, String),
    #[error("reading /proc/{pid}/status: {source}")]
    Status { pid: u32, source: std::io::Error },
    #[error("/proc/{0}/status has no {1} line")]
    NoField(u32, &'static str),
}

/// Where one server keeps its state, and which database it uses.
#[derive(Debug, Clone)]
pub struct Launch {
    pub bin: PathBuf,
    pub data_dir: PathBuf,
    /// Shared by replicas (their root key).
    pub key_file: PathBuf,
    /// `postgres://…`, or SQLite in the data directory.
    pub database: Option<String>,
    /// The server's standard error (its tracing log) goes here.
    pub log: PathBuf,
    /// The Gmail broker's configuration (`--gmail-config`), for a server that sends mail.
    pub gmail_config: Option<PathBuf>,
}

impl Launch {
    fn command(&self) -> Result<Command, ServerError> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|source| ServerError::Spawn {
                bin: self.log.clone(),
                source,
            })?;
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--data-dir")
            .arg(&self.data_dir)
            .arg("--key-file")
            .arg(&self.key_file)
            .env("RUST_LOG", "warn")
            .stderr(Stdio::from(log));
        if let Some(url) = &self.database {
            cmd.arg("--database").arg(url);
        }
        if let Some(config) = &self.gmail_config {
            cmd.arg("--gmail-config").arg(config);
        }
        Ok(cmd)
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// `helpr-server create-org`: the organization and its owner (password from the
    /// environment, as the command documents).
    pub fn create_org(&self, owner_email: &str, password: &str) -> Result<(), ServerError> {
        let mut cmd = self.command()?;
        cmd.args([
            "create-org",
            "--name",
            "Bench",
            "--owner-name",
            "Olive Owner",
        ])
        .args(["--owner-email", owner_email])
        .env("HELPR_SERVER_OWNER_PASSWORD", password)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
        let status = cmd.status().map_err(|source| ServerError::Spawn {
            bin: self.bin.clone(),
            source,
        })?;
        if !status.success() {
            return Err(ServerError::Failed {
                what: "create-org",
                status: status.to_string(),
                log: self.log_tail(),
            });
        }
        Ok(())
    }

    /// Starts serving on `127.0.0.1:0` and waits until it prints its address and fingerprint.
    pub fn serve(&self) -> Result<ServerProcess, ServerError> {
        let mut cmd = self.command()?;
        cmd.args(["--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        let mut child = cmd.spawn().map_err(|source| ServerError::Spawn {
            bin: self.bin.clone(),
            source,
        })?;
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut addr = None;
        let mut fingerprint = None;
        let mut line = String::new();
        while addr.is_none() || fingerprint.is_none() {
            line.clear();
            if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                let _ = child.kill();
                let _ = child.wait();
                let what = if addr.is_none() {
                    "address"
                } else {
                    "fingerprint"
                };
                return Err(ServerError::NoAnnouncement(what, self.log_tail()));
            }
            if let Some(rest) = line
                .trim()
                .strip_prefix("helpr-server listening on https://")
            {
                addr = rest.parse::<SocketAddr>().ok();
            }
            if let Some(rest) = line
                .trim()
                .strip_prefix("certificate fingerprint (SHA-256): ")
            {
                fingerprint = Some(rest.to_owned());
            }
        }
        Ok(ServerProcess {
            child,
            _stdout: stdout,
            addr: addr.expect("read above"),
            fingerprint: fingerprint.expect("read above"),
        })
    }
}

/// A running server.
pub struct ServerProcess {
    child: Child,
    /// Kept open so the server never writes into a closed pipe.
    _stdout: BufReader<ChildStdout>,
    pub addr: SocketAddr,
    pub fingerprint: String,
}

impl ServerProcess {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's resident set now, in KiB.
    pub fn rss_kib(&self) -> Result<u64, ServerError> {
        status_kib(
            &format!("/proc/{}/status", self.pid()),
            self.pid(),
            "VmRSS:",
        )
    }

    /// The server's peak resident set so far, in KiB.
    pub fn peak_kib(&self) -> Result<u64, ServerError> {
        status_kib(
            &format!("/proc/{}/status", self.pid()),
            self.pid(),
            "VmHWM:",
        )
    }

    /// SIGINT (the server stops as on Ctrl-C), SIGKILL after 10 s.
    fn stop_now(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid fits pid_t");
        // SAFETY: kill(2) with our own child's pid, which we have not reaped.
        unsafe { libc::kill(pid, libc::SIGINT) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Dropping a server stops it.
impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.stop_now();
    }
}

fn status_kib(path: &str, pid: u32, field: &'static str) -> Result<u64, ServerError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| ServerError::Status { pid, source })?;
    parse_kib(&text, field).ok_or(ServerError::NoField(pid, field))
}

/// `VmRSS:    12345 kB` → 12345 (for `field` "VmRSS:").
fn parse_kib(status: &str, field: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_resident_set_from_proc_status() {
        let status = "Name:\thelpr-server\nVmPeak:\t  99 kB\nVmRSS:\t   12345 kB\nThreads: 4\n";
        assert_eq!(super::parse_kib(status, "VmRSS:"), Some(12345));
        assert_eq!(super::parse_kib(status, "VmPeak:"), Some(99));
        assert_eq!(super::parse_kib("Name: x\n", "VmRSS:"), None);
    }

    #[test]
    fn reads_this_process_s_own_resident_set() {
        let rss = super::status_kib("/proc/self/status", std::process::id(), "VmRSS:").unwrap();
        assert!(rss > 0);
    }
}
