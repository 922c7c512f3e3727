//! Who runs PostgreSQL's binaries. initdb (and pg_ctl, and postgres) refuse to run as root, so
//! when this process is root they run as `nobody`, and the cluster's directory is handed to it;
//! otherwise they run as the current user. Either way, that user's name is the cluster's
//! superuser (`initdb -U`), and so the name in the URL.
//!
//! The switch is std's [`CommandExt::uid`]/[`CommandExt::gid`]: in the child, before exec, std
//! calls `setgroups(0)` (no supplementary groups: root's would keep privileges), `setgid` and
//! `setuid`, which is what `setpriv --reuid=nobody --regid=nogroup --clear-groups` does on
//! Debian 12, without another binary. `runuser -u nobody` is not used: it opens a PAM session
//! and forks, so the pid we hold would be runuser's, and [`crate::Cluster::restart`] must
//! SIGKILL the postmaster itself.

use std::ffi::{CStr, CString};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::{io, mem, ptr};

use crate::Error;

/// Who runs PostgreSQL when this process is root (Debian's `nobody`, group `nogroup`).
const RUN_AS_ROOT: &str = "nobody";

/// The OS user the cluster's processes run as.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    /// The user's name: the cluster's superuser.
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    /// Whether commands switch to `uid`/`gid` (we are root) or run as we are.
    switch: bool,
}

impl Account {
    /// `nobody` when this process is root, the current user otherwise.
    pub fn current() -> Result<Account, Error> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let euid = unsafe { libc::geteuid() };
        if euid == 0 {
            let entry = lookup_name(RUN_AS_ROOT)
                .map_err(Error::io(format!("looking up user {RUN_AS_ROOT}")))?
                .ok_or(Error::NoSuchUser { user: RUN_AS_ROOT })?;
            Ok(Account {
                name: entry.name,
                uid: entry.uid,
                gid: entry.gid,
                switch: true,
            })
        } else {
            let entry = lookup_uid(euid)
                .map_err(Error::io(format!("looking up uid {euid}")))?
                .ok_or(Error::UnnamedUser { uid: euid })?;
            Ok(Account {
                name: entry.name,
                uid: euid,
                // SAFETY: getegid has no preconditions and cannot fail.
                gid: unsafe { libc::getegid() },
                switch: false,
            })
        }
    }

    /// `program` run as this account from `cwd` (so its own cwd never matters), with a C locale
    /// (stable messages) and no `PG*` variables of ours (they would redirect the client tools).
    pub fn command(&self, program: &Path, cwd: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(cwd).stdin(Stdio::null()).env("LC_ALL", "C");
        for (key, _) in std::env::vars_os() {
            if key.as_encoded_bytes().starts_with(b"PG") {
                cmd.env_remove(key);
            }
        }
        if self.switch {
            // root's HOME would be unreadable to nobody (libpq looks for ~/.pgpass there).
            cmd.uid(self.uid)
                .gid(self.gid)
                .env("HOME", cwd)
                .env("USER", &self.name)
                .env("LOGNAME", &self.name);
        }
        cmd
    }

    /// Makes `dir` (canonical) this account's: when switching, checks every parent lets it
    /// through and hands `dir` itself over (not recursively: what is inside was made by it).
    pub fn take(&self, dir: &Path) -> Result<(), Error> {
        if !self.switch {
            return Ok(());
        }
        for parent in dir.ancestors().skip(1) {
            let meta =
                fs::metadata(parent).map_err(Error::io(format!("reading {}", parent.display())))?;
            let mode = meta.mode();
            let search = if meta.uid() == self.uid {
                0o100
            } else if meta.gid() == self.gid {
                0o010
            } else {
                0o001
            };
            if mode & search == 0 {
                return Err(Error::NotReachable {
                    user: self.name.clone(),
                    dir: dir.to_owned(),
                    blocking: parent.to_owned(),
                    mode: mode & 0o7777,
                });
            }
        }
        self.chown(dir)
    }

    /// Gives `path` to this account, when switching and it is not already.
    pub fn chown(&self, path: &Path) -> Result<(), Error> {
        if !self.switch {
            return Ok(());
        }
        let meta = fs::metadata(path).map_err(Error::io(format!("reading {}", path.display())))?;
        if meta.uid() == self.uid && meta.gid() == self.gid {
            return Ok(());
        }
        std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid)).map_err(Error::io(format!(
            "giving {} to {}",
            path.display(),
            self.name
        )))
    }
}

/// One line of the user database.
struct Entry {
    name: String,
    uid: u32,
    gid: u32,
}

fn lookup_name(name: &str) -> io::Result<Option<Entry>> {
    let name = CString::new(name).map_err(|_| io::ErrorKind::InvalidInput)?;
    lookup(|pwd, buf, result| {
        // SAFETY: every pointer is valid for the call, and buf's length is passed with it.
        unsafe { libc::getpwnam_r(name.as_ptr(), pwd, buf.as_mut_ptr(), buf.len(), result) }
    })
}

fn lookup_uid(uid: u32) -> io::Result<Option<Entry>> {
    lookup(|pwd, buf, result| {
        // SAFETY: as in lookup_name.
        unsafe { libc::getpwuid_r(uid, pwd, buf.as_mut_ptr(), buf.len(), result) }
    })
}

/// Runs a reentrant passwd lookup (`getpw*_r`), growing its buffer while it says ERANGE.
fn lookup(
    call: impl Fn(&mut libc::passwd, &mut [libc::c_char], &mut *mut libc::passwd) -> libc::c_int,
) -> io::Result<Option<Entry>> {
    let mut buf: Vec<libc::c_char> = vec![0; 1024];
    loop {
        // SAFETY: passwd is plain data (integers and pointers); all-zero is a valid value.
        let mut pwd: libc::passwd = unsafe { mem::zeroed() };
        let mut result = ptr::null_mut();
        match call(&mut pwd, &mut buf, &mut result) {
            libc::ERANGE if buf.len() < 1 << 20 => buf.resize(buf.len() * 2, 0),
            0 if result.is_null() => return Ok(None),
            0 => {
                // SAFETY: on success pw_name points to a NUL-terminated string inside buf.
                let name = unsafe { CStr::from_ptr(pwd.pw_name) };
                return Ok(Some(Entry {
                    name: name.to_string_lossy().into_owned(),
                    uid: pwd.pw_uid,
                    gid: pwd.pw_gid,
                }));
            }
            code => return Err(io::Error::from_raw_os_error(code)),
        }
    }
}
