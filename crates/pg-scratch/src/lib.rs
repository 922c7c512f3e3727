//! pg-scratch: a throw-away PostgreSQL 15 cluster from Debian's binaries (`postgresql-15`), for
//! tests and for `cargo xtask server --postgres`.
//!
//! [`Cluster::start`] runs `initdb` into a fresh temporary directory, starts `postgres` on a free
//! port of 127.0.0.1 (and its unix socket in that directory), waits until it accepts
//! connections and creates the database `helpr`; [`Cluster::url`] is then
//! `postgres://USER@127.0.0.1:PORT/helpr`, with trust authentication (no password). Dropping
//! the cluster stops the server (immediate shutdown) and removes the directory.
//! [`Cluster::start_in`] keeps the data in a given directory instead, reused when it already
//! holds a cluster. [`Cluster::restart`] SIGKILLs the postmaster and starts it again, for crash
//! tests; the server fsyncs as in production unless [`Options::fsync`] turns it off.
//!
//! A cluster's directory holds `data/` (PGDATA), `server.log` (the server's stdout and stderr,
//! appended) and the socket `.s.PGSQL.PORT`.
//!
//! initdb refuses to run as root, so as root every PostgreSQL binary runs as `nobody`, who then
//! owns the directory and is the superuser in the URL; otherwise they run as the current user.
//!
//! - `account`: who runs the binaries, and handing the directory to them.
//! - `server`: the postmaster as our child: free port, readiness, waiting out a killed one.
//! - `error`: what went wrong ([`Error`]), with the server log's last lines when it would not
//!   start.

mod account;
mod error;
mod server;

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};

use tempfile::TempDir;

use crate::account::Account;
pub use crate::error::Error;

/// Where Debian's `postgresql-15` installs the server's binaries.
pub const BIN_DIR: &str = "/usr/lib/postgresql/15/bin";

/// The database every cluster has, the one [`Cluster::url`] names.
pub const DATABASE: &str = "helpr";

/// The binaries a cluster runs, all from [`BIN_DIR`] (not `/usr/bin`'s wrappers, which pick a
/// version by themselves).
const BINARIES: [&str; 4] = ["initdb", "postgres", "pg_ctl", "createdb"];

/// How many fresh ports a start tries when another process takes the one it picked.
const PORT_ATTEMPTS: u32 = 5;

/// How long `pg_ctl stop` may wait for the server to go.
const STOP_SECONDS: &str = "30";

/// How to start a cluster: `Options::new().fsync(false).start()`.
#[derive(Debug, Clone)]
pub struct Options {
    fsync: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { fsync: true }
    }
}

impl Options {
    pub fn new() -> Options {
        Options::default()
    }

    /// Whether the server (and initdb) fsync, on by default as in production. Off (`-c
    /// fsync=off`, `initdb --no-sync`) is faster and a SIGKILLed server still loses nothing
    /// (the kernel keeps what was written), but a crash of the machine may corrupt the data:
    /// never for a directory that is kept.
    pub fn fsync(mut self, on: bool) -> Options {
        self.fsync = on;
        self
    }

    /// [`Cluster::start`] with these options.
    pub fn start(&self) -> Result<Cluster, Error> {
        let temp = tempfile::Builder::new()
            .prefix("pg-scratch-")
            .tempdir()
            .map_err(Error::io("making a temporary directory"))?;
        let dir = temp.path().to_owned();
        Cluster::set_up(&dir, Some(temp), self.clone())
    }

    /// [`Cluster::start_in`] with these options.
    pub fn start_in(&self, dir: &Path) -> Result<Cluster, Error> {
        fs::create_dir_all(dir).map_err(Error::io(format!("creating {}", dir.display())))?;
        Cluster::set_up(dir, None, self.clone())
    }
}

/// A running PostgreSQL 15 server with the database `helpr`, stopped when dropped.
#[derive(Debug)]
pub struct Cluster {
    /// The cluster's directory (canonical): `data/`, `server.log`, the socket.
    dir: PathBuf,
    data: PathBuf,
    log: PathBuf,
    port: u16,
    account: Account,
    options: Options,
    /// `None` once stopped, or when a restart failed.
    postmaster: Option<Child>,
    /// The temporary directory of [`Cluster::start`], removed after the server stops.
    temp: Option<TempDir>,
}

impl Cluster {
    /// initdb into a fresh temporary directory, start postgres listening on 127.0.0.1 at a free
    /// port (and its unix socket in the temporary directory), wait until it accepts
    /// connections, create the database `helpr`.
    pub fn start() -> Result<Cluster, Error> {
        Options::new().start()
    }

    /// The same with the data in `dir` (created if missing), which is kept: a cluster already
    /// there is reused (and `helpr` created if it is missing). For `cargo xtask server
    /// --postgres`. The port is a new free one each time. As root, `dir` is handed to `nobody`.
    pub fn start_in(dir: &Path) -> Result<Cluster, Error> {
        Options::new().start_in(dir)
    }

    /// `postgres://USER@127.0.0.1:PORT/helpr` (trust authentication: no password).
    pub fn url(&self) -> String {
        format!(
            "postgres://{}@127.0.0.1:{}/{DATABASE}",
            percent_encode(&self.account.name),
            self.port
        )
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The superuser: the OS user that ran initdb and runs the server (`nobody` when root).
    pub fn user(&self) -> &str {
        &self.account.name
    }

    /// The data directory (PGDATA).
    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// The server's log (its stdout and stderr).
    pub fn log_file(&self) -> &Path {
        &self.log
    }

    /// Stop now, cleanly (`pg_ctl stop -m fast`). Dropping does an immediate shutdown instead;
    /// either way the temporary directory of [`Cluster::start`] is removed.
    pub fn stop(mut self) {
        self.shut_down("fast");
    }

    /// Kill the postmaster with SIGKILL and start it again in the same data directory, on the
    /// same port, for crash tests: it comes back after crash recovery. Its children are waited
    /// out first (they exit once they notice the postmaster is gone).
    pub fn restart(&mut self) -> Result<(), Error> {
        if let Some(mut postmaster) = self.postmaster.take() {
            server::kill(&mut postmaster);
        }
        server::wait_gone(&self.data)?;
        self.run_server(self.port)
    }

    fn set_up(dir: &Path, temp: Option<TempDir>, options: Options) -> Result<Cluster, Error> {
        for name in BINARIES {
            let path = bin(name);
            if !path.is_file() {
                return Err(Error::MissingBinary { path });
            }
        }
        let account = Account::current()?;
        let dir = dir
            .canonicalize()
            .map_err(Error::io(format!("resolving {}", dir.display())))?;
        account.take(&dir)?;
        let data = dir.join("data");
        let log = dir.join("server.log");
        let mut cluster = Cluster {
            dir,
            data,
            log,
            port: 0,
            account,
            options,
            postmaster: None,
            temp,
        };
        let reused = cluster.initialised()?;
        if !reused {
            cluster.initdb()?;
        }
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&cluster.log)
            .map_err(Error::io(format!("creating {}", cluster.log.display())))?;
        cluster.account.chown(&cluster.log)?;
        cluster.start_on_free_port()?;
        cluster.create_database(reused)?;
        Ok(cluster)
    }

    /// Whether `data/` already holds a cluster this account can run (it must be a 15 one).
    fn initialised(&self) -> Result<bool, Error> {
        let meta = match fs::metadata(&self.data) {
            Ok(meta) => meta,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(err) => return Err(Error::io(format!("reading {}", self.data.display()))(err)),
        };
        if meta.uid() != self.account.uid {
            return Err(Error::WrongOwner {
                data: self.data.clone(),
                owner: meta.uid(),
                user: self.account.name.clone(),
                uid: self.account.uid,
            });
        }
        let version_file = self.data.join("PG_VERSION");
        match fs::read_to_string(&version_file) {
            Ok(version) if version.trim() == "15" => Ok(true),
            Ok(version) => Err(Error::WrongVersion {
                data: self.data.clone(),
                found: version.trim().to_owned(),
            }),
            // An empty data/ (or one initdb gave up on): initdb takes it or says what is wrong.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(err) => Err(Error::io(format!("reading {}", version_file.display()))(
                err,
            )),
        }
    }

    /// `initdb` with this account as the superuser, trusted on every local connection (the
    /// server listens on loopback and in its own directory only), UTF-8 and the C locale (the
    /// same collation and messages on every machine).
    fn initdb(&self) -> Result<(), Error> {
        let mut cmd = self.command("initdb");
        cmd.arg("-D")
            .arg(&self.data)
            .args(["-U", &self.account.name])
            .args(["--auth=trust", "--encoding=UTF8", "--no-locale"]);
        if !self.options.fsync {
            cmd.arg("--no-sync");
        }
        run(&mut cmd).map(drop)
    }

    /// Starts the server on a free port, with a fresh one when another process took the port
    /// between our pick and postgres's bind.
    fn start_on_free_port(&mut self) -> Result<(), Error> {
        let mut attempt = 1;
        loop {
            let port = server::free_port()?;
            match self.run_server(port) {
                Err(Error::Exited { tail, .. })
                    if tail.contains("Address already in use") && attempt < PORT_ATTEMPTS =>
                {
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    /// Spawns postgres on `port` and waits until it accepts connections.
    fn run_server(&mut self, port: u16) -> Result<(), Error> {
        let log_start = fs::metadata(&self.log).map(|meta| meta.len()).unwrap_or(0);
        let log = OpenOptions::new()
            .append(true)
            .open(&self.log)
            .map_err(Error::io(format!("opening {}", self.log.display())))?;
        let log_too = log
            .try_clone()
            .map_err(Error::io(format!("opening {}", self.log.display())))?;
        let mut sockets = OsString::from("unix_socket_directories=\"");
        sockets.push(&self.dir);
        sockets.push("\"");
        let mut cmd = self.command("postgres");
        cmd.arg("-D")
            .arg(&self.data)
            .args(["-p", &port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1", "-c"])
            .arg(sockets)
            .stdout(log)
            .stderr(log_too);
        if !self.options.fsync {
            cmd.args(["-c", "fsync=off"]);
        }
        let postmaster = cmd.spawn().map_err(Error::io(format!(
            "running {} as {}",
            bin("postgres").display(),
            self.account.name
        )))?;
        let postmaster = server::wait_ready(postmaster, &self.data, port, &self.log, log_start)?;
        self.postmaster = Some(postmaster);
        self.port = port;
        Ok(())
    }

    /// `createdb helpr` over TCP. In a reused directory it may exist already.
    fn create_database(&self, reused: bool) -> Result<(), Error> {
        let mut cmd = self.command("createdb");
        cmd.args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", &self.account.name, DATABASE]);
        match run(&mut cmd) {
            Err(Error::Command { output, .. })
                if reused
                    && output.contains(&format!("database \"{DATABASE}\" already exists")) =>
            {
                Ok(())
            }
            result => result.map(drop),
        }
    }

    /// Stops the server with `pg_ctl stop -m MODE` and reaps it; kills it when that fails.
    fn shut_down(&mut self, mode: &str) {
        let Some(mut postmaster) = self.postmaster.take() else {
            return;
        };
        if let Ok(None) = postmaster.try_wait() {
            let mut cmd = self.command("pg_ctl");
            cmd.arg("stop")
                .arg("-D")
                .arg(&self.data)
                .args(["-m", mode, "-w", "-t", STOP_SECONDS]);
            if let Err(err) = run(&mut cmd) {
                eprintln!("pg-scratch: {err}\npg-scratch: killing the postmaster instead");
                server::kill(&mut postmaster);
                if let Err(err) = server::wait_gone(&self.data) {
                    eprintln!("pg-scratch: {err}");
                }
            }
        }
        let _ = postmaster.wait();
    }

    /// One of [`BINARIES`], run as the cluster's account from its directory.
    fn command(&self, name: &str) -> Command {
        self.account.command(&bin(name), &self.dir)
    }
}

impl Drop for Cluster {
    /// An immediate shutdown (the next start of a kept directory recovers from the WAL, as
    /// after a crash), then the temporary directory's removal, once nothing runs in it.
    fn drop(&mut self) {
        self.shut_down("immediate");
        if let Some(temp) = self.temp.take() {
            let path = temp.path().to_owned();
            if let Err(err) = temp.close() {
                eprintln!("pg-scratch: could not remove {}: {err}", path.display());
            }
        }
    }
}

fn bin(name: &str) -> PathBuf {
    Path::new(BIN_DIR).join(name)
}

/// Runs `cmd` to the end; its stdout and stderr go into the error when it fails.
fn run(cmd: &mut Command) -> Result<Output, Error> {
    let mut line = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    let output = cmd.output().map_err(Error::io(format!("running {line}")))?;
    if output.status.success() {
        return Ok(output);
    }
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Err(Error::Command {
        command: line,
        status: output.status,
        output: text.trim_end().to_owned(),
    })
}

/// `name` as a URL's user part: anything but RFC 3986's unreserved characters as `%XX`.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_escaped_in_the_url() {
        assert_eq!(percent_encode("nobody"), "nobody");
        assert_eq!(percent_encode("jane.doe_1-x~"), "jane.doe_1-x~");
        assert_eq!(percent_encode("jane@corp"), "jane%40corp");
        assert_eq!(percent_encode("é"), "%C3%A9");
    }
}
