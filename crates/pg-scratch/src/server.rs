//! The postmaster as this process's own child: a free port for it, waiting until it accepts
//! connections (or saying why it never will), waiting until a killed server's processes are
//! gone, and the end of its log for error messages.
//!
//! postgres is spawned directly rather than through `pg_ctl start`, which would leave it
//! orphaned: holding the [`Child`] gives [`crate::Cluster::restart`] the postmaster to SIGKILL
//! and reap, and tells the readiness wait at once when the server has died.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::Child;
use std::thread;
use std::time::{Duration, Instant};

use crate::Error;

/// How long a server may take to accept connections (crash recovery included).
pub(crate) const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a killed postmaster's children may take to notice and exit.
const GONE_TIMEOUT: Duration = Duration::from_secs(30);

/// How many lines of the server log an error quotes.
const TAIL_LINES: usize = 30;

const POLL: Duration = Duration::from_millis(25);

/// A port nothing listens on right now: the kernel's pick for 127.0.0.1:0, released at once.
/// Another process may take it before postgres binds it; the caller retries on that.
pub(crate) fn free_port() -> Result<u16, Error> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(Error::io("binding 127.0.0.1:0 to find a free port"))?;
    let port = listener
        .local_addr()
        .map_err(Error::io("reading the free port's address"))?
        .port();
    Ok(port)
}

/// Waits until the postmaster `child` (writing to `log` from offset `log_start`) accepts
/// connections on 127.0.0.1:`port`: its `postmaster.pid` names it and says "ready" (what
/// `pg_ctl start -w` waits for: after crash recovery, not before), and a TCP connection is
/// accepted. When it exits first, or the deadline passes (then it is killed), the error quotes
/// the end of what it logged.
pub(crate) fn wait_ready(
    mut child: Child,
    data: &Path,
    port: u16,
    log: &Path,
    log_start: u64,
) -> Result<Child, Error> {
    let deadline = Instant::now() + READY_TIMEOUT;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                return Err(Error::Exited {
                    status,
                    log: log.to_owned(),
                    tail: tail(log, log_start),
                })
            }
            Ok(None) => {}
            Err(source) => {
                kill(&mut child);
                return Err(Error::Io {
                    what: "waiting for postgres".into(),
                    source,
                });
            }
        }
        if pid_file_says_ready(data, child.id())
            && TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
        {
            return Ok(child);
        }
        if Instant::now() >= deadline {
            kill(&mut child);
            return Err(Error::NotReady {
                port,
                seconds: READY_TIMEOUT.as_secs(),
                log: log.to_owned(),
                tail: tail(log, log_start),
            });
        }
        thread::sleep(POLL);
    }
}

/// SIGKILL and reap (errors ignored: it may be gone already).
pub(crate) fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Whether `data/postmaster.pid` names `pid` and its status line (the 8th) says "ready".
fn pid_file_says_ready(data: &Path, pid: u32) -> bool {
    let Ok(text) = fs::read_to_string(data.join("postmaster.pid")) else {
        return false;
    };
    let lines: Vec<&str> = text.lines().collect();
    let named = lines
        .first()
        .and_then(|line| line.trim().parse::<u32>().ok());
    named == Some(pid) && lines.get(7).map(|line| line.trim()) == Some("ready")
}

/// Waits until no process runs in `data` any more. A postmaster's children (checkpointer,
/// WAL writer, backends…) work with the data directory as their cwd and outlive a SIGKILLed
/// postmaster until they notice it is gone; while they are attached to its shared memory, a
/// new postmaster refuses the directory ("pre-existing shared memory block is still in use").
/// Zombies do not count: `/proc/PID/cwd` is unreadable for them, and they hold no memory.
pub(crate) fn wait_gone(data: &Path) -> Result<(), Error> {
    let deadline = Instant::now() + GONE_TIMEOUT;
    loop {
        let pids = running_in(data);
        if pids.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(Error::Lingering {
                data: data.to_owned(),
                seconds: GONE_TIMEOUT.as_secs(),
                pids,
            });
        }
        thread::sleep(POLL);
    }
}

/// The processes whose cwd is `dir` (as far as `/proc` lets us see: ours, or all when root).
fn running_in(dir: &Path) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let cwd = fs::read_link(entry.path().join("cwd")).ok()?;
            (cwd == dir).then_some(pid)
        })
        .collect()
}

/// The last lines `log` got from offset `from` on (this start's, not an earlier one's).
pub(crate) fn tail(log: &Path, from: u64) -> String {
    let mut text = Vec::new();
    let read = File::open(log).and_then(|mut file| {
        file.seek(SeekFrom::Start(from))?;
        file.read_to_end(&mut text)
    });
    if let Err(err) = read {
        return format!("(could not read it: {err})");
    }
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().collect();
    if lines.is_empty() {
        return "(nothing)".into();
    }
    lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n")
}
