//! A virtual X display for the desktop E2E: start `Xvfb` on a free display number, hand out
//! `DISPLAY`, and stop it again when the guard is dropped (also on errors and panics).

use std::io::{BufRead, BufReader, Read, Seek};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::process;

/// A running Xvfb; dropping it stops the server.
pub struct VirtualDisplay {
    child: Child,
    display: String,
    // Xvfb reported its display number on this pipe; keep it open for the server's lifetime.
    _ready: BufReader<ChildStdout>,
}

impl VirtualDisplay {
    /// Starts Xvfb and waits until it accepts connections.
    ///
    /// `-displayfd 1` makes Xvfb pick the first free display number itself (it honours the lock
    /// files of running servers, so there is no race between choosing a number and binding it)
    /// and write that number to our pipe once it is ready for clients.
    pub fn start() -> Result<Self> {
        let mut log = tempfile::tempfile().context("could not create a log file for Xvfb")?;
        let mut cmd = Command::new("Xvfb");
        cmd.args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1600x1000x24",
            "-nolisten",
            "tcp",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log.try_clone()?);
        println!("$ {}", process::describe(&cmd));
        let mut child = cmd
            .spawn()
            .context("could not start Xvfb (is the `xvfb` package installed?)")?;
        let mut ready = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut number = String::new();
        let read = ready.read_line(&mut number);
        let number = number.trim().to_owned();
        if read.is_err() || number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            let _ = child.kill();
            let _ = child.wait();
            let mut output = String::new();
            let _ = log.rewind().and_then(|()| log.read_to_string(&mut output));
            bail!("Xvfb did not come up: {}", output.trim());
        }
        let display = format!(":{number}");
        println!("virtual display {display} ready (Xvfb pid {})", child.id());
        Ok(Self {
            child,
            display,
            _ready: ready,
        })
    }

    /// The value for `DISPLAY`, like `:99`.
    pub fn display(&self) -> &str {
        &self.display
    }
}

impl Drop for VirtualDisplay {
    fn drop(&mut self) {
        // SIGTERM first so Xvfb removes its lock file and socket; SIGKILL if it lingers.
        let pid = self.child.id().to_string();
        let asked = process::succeeds(Command::new("kill").args(["-TERM", &pid]));
        let deadline = Instant::now() + Duration::from_secs(5);
        while asked && Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                println!("virtual display {} stopped", self.display);
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        println!("virtual display {} killed", self.display);
    }
}
