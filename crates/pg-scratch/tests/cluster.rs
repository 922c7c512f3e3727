//! A scratch cluster really serves SQL over its URL (through Debian's `psql`), keeps a committed
//! row across a SIGKILL of its postmaster, gets its own port beside another, and leaves neither
//! a directory nor a listening port behind; a kept directory is reused by the next start. As
//! root, the server runs as `nobody` with no supplementary groups.

use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use pg_scratch::{Cluster, Error};

/// Runs `sql` through `psql URL` and returns its unaligned, tuples-only output.
fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("/usr/bin/psql")
        .arg(url)
        .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .expect("running /usr/bin/psql (Debian's postgresql-client-15)");
    assert!(
        out.status.success(),
        "psql {url} -c {sql:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn is_listening(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn serves_sql_on_its_url() {
    let cluster = Cluster::start().unwrap();
    let url = cluster.url();
    assert_eq!(
        url,
        format!(
            "postgres://{}@127.0.0.1:{}/helpr",
            cluster.user(),
            cluster.port()
        )
    );
    assert_eq!(psql(&url, "SELECT 1"), "1");
    psql(
        &url,
        "CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)",
    );
    psql(&url, "INSERT INTO notes VALUES (1, 'hello')");
    assert_eq!(psql(&url, "SELECT body FROM notes WHERE id = 1"), "hello");
    assert_eq!(psql(&url, "SELECT current_database()"), "helpr");
    assert_eq!(psql(&url, "SHOW fsync"), "on");
    let expected_user = if is_root() { "nobody" } else { cluster.user() };
    assert_eq!(psql(&url, "SELECT current_user"), expected_user);

    // The unix socket is in the cluster's own directory, and answers too.
    let dir = cluster.data_dir().parent().unwrap();
    assert!(dir.join(format!(".s.PGSQL.{}", cluster.port())).exists());
    let over_socket = format!(
        "host={} port={} user={} dbname=helpr",
        dir.display(),
        cluster.port(),
        cluster.user()
    );
    assert_eq!(psql(&over_socket, "SELECT body FROM notes"), "hello");
}

#[test]
fn a_committed_row_survives_a_sigkill_of_the_postmaster() {
    let mut cluster = Cluster::start().unwrap();
    let url = cluster.url();
    psql(
        &url,
        "CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)",
    );
    psql(&url, "INSERT INTO notes VALUES (1, 'before the crash')");
    let port = cluster.port();

    cluster.restart().unwrap();

    assert_eq!(cluster.port(), port);
    assert_eq!(cluster.url(), url);
    assert_eq!(
        psql(&url, "SELECT body FROM notes ORDER BY id"),
        "before the crash"
    );
    psql(&url, "INSERT INTO notes VALUES (2, 'after')");
    assert_eq!(psql(&url, "SELECT count(*) FROM notes"), "2");
    let log = std::fs::read_to_string(cluster.log_file()).unwrap();
    assert!(
        log.contains("database system was interrupted"),
        "the second start did not recover from a crash:\n{log}"
    );

    // Twice in a row works too (the first restart's children are waited out as well).
    cluster.restart().unwrap();
    assert_eq!(psql(&url, "SELECT count(*) FROM notes"), "2");
}

#[test]
fn two_clusters_at_once_get_different_ports() {
    let first = Cluster::start().unwrap();
    let second = Cluster::start().unwrap();
    assert_ne!(first.port(), second.port());
    assert_ne!(first.data_dir(), second.data_dir());
    psql(&first.url(), "CREATE TABLE only_in_first (id int)");
    assert_eq!(
        psql(
            &second.url(),
            "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_first'"
        ),
        "0"
    );
}

#[test]
fn dropping_removes_the_directory_and_closes_the_port() {
    let cluster = Cluster::start().unwrap();
    let port = cluster.port();
    let data = cluster.data_dir().to_owned();
    let dir = data.parent().unwrap().to_owned();
    assert!(data.join("PG_VERSION").is_file());
    assert!(is_listening(port));

    drop(cluster);

    assert!(!dir.exists(), "{} is still there", dir.display());
    assert!(!is_listening(port), "something still listens on {port}");
}

#[test]
fn stopping_removes_the_directory_and_closes_the_port() {
    let cluster = Cluster::start().unwrap();
    let port = cluster.port();
    let dir = cluster.data_dir().parent().unwrap().to_owned();
    let log = std::fs::read_to_string(cluster.log_file()).unwrap();
    assert!(log.contains("ready to accept connections"), "{log}");

    cluster.stop();

    assert!(!dir.exists(), "{} is still there", dir.display());
    assert!(!is_listening(port), "something still listens on {port}");
}

#[test]
fn a_kept_directory_is_reused() {
    // The directory itself is the cluster's (as root it is handed to nobody; its parent, the
    // system's temporary directory, lets everyone through).
    let kept = tempfile::tempdir().unwrap();
    let cluster = Cluster::start_in(kept.path()).unwrap();
    psql(&cluster.url(), "CREATE TABLE notes (body text)");
    psql(&cluster.url(), "INSERT INTO notes VALUES ('kept')");
    let first_port = cluster.port();
    // Dropping shuts down immediately; the next start recovers, as after a crash.
    drop(cluster);
    assert!(kept.path().join("data/PG_VERSION").is_file());
    assert!(!is_listening(first_port));

    let cluster = Cluster::start_in(kept.path()).unwrap();
    assert_eq!(psql(&cluster.url(), "SELECT body FROM notes"), "kept");
    cluster.stop();

    let cluster = Cluster::start_in(kept.path()).unwrap();
    assert_eq!(psql(&cluster.url(), "SELECT body FROM notes"), "kept");
}

#[test]
fn as_root_the_server_runs_as_nobody_without_groups() {
    if !is_root() {
        return;
    }
    let cluster = Cluster::start().unwrap();
    assert_eq!(cluster.user(), "nobody");
    let pid_file = std::fs::read_to_string(cluster.data_dir().join("postmaster.pid")).unwrap();
    let pid = pid_file.lines().next().unwrap();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(field("Uid:"), ["65534"; 4], "{status}");
    assert_eq!(field("Gid:"), ["65534"; 4], "{status}");
    assert!(field("Groups:").is_empty(), "{status}");
}

#[test]
fn as_root_a_directory_nobody_cannot_reach_is_refused_clearly() {
    if !is_root() {
        return;
    }
    // A 0700 directory owned by root: nobody cannot pass through it.
    let private = tempfile::tempdir().unwrap();
    std::fs::set_permissions(private.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let err = Cluster::start_in(&private.path().join("cluster")).unwrap_err();
    assert!(
        matches!(&err, Error::NotReachable { blocking, .. } if blocking == &private.path().canonicalize().unwrap()),
        "{err}"
    );
    let message = err.to_string();
    assert!(message.contains("cannot reach"), "{message}");
    assert!(!private.path().join("cluster/data").exists());
}
