//! helpr-server-bench: the team server under load, behind `cargo xtask bench server` (issue 16),
//! which builds the `helpr-server` binary and this one in release mode and runs this with the
//! server's path. Everything runs over real sockets and TLS against the real binary, as child
//! processes, so the memory read is the server's alone:
//!
//! 1. **single**: one server on SQLite; **replicas**: two servers on one throw-away PostgreSQL
//!    15 cluster (pg-scratch), the sessions split between them, every change made through the
//!    first.
//! 2. The organization ([`org`]) is made with `helpr-server create-org` and the API; every
//!    session is a sign-in through the page ([`sessions`]), each with its own WebSocket.
//! 3. Access changes ([`changes`]): request sent → the last affected session decoded its new
//!    snapshot, p50/p99/max, beside the goal (p99 ≤ 100 ms single, ≤ 250 ms across replicas).
//! 4. Requests/s of the entitlement-filtered list beside the unfiltered one ([`list`]).
//! 5. The server's RSS restarted after the sign-ins with no socket open, and with every socket
//!    open: the difference per 1,000 sessions ([`server`]).
//!
//! The bench process and the servers share this machine's cores; the figures are this
//! machine's, printed beside their goals, never asserted.

mod changes;
mod list;
mod org;
mod report;
mod sessions;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use helpr_team::{ServerAddress, TeamClient};
use secrecy::SecretString;

use helpr_server_bench::server::{Launch, ServerProcess};

#[derive(Debug, Parser)]
#[command(name = "helpr-server-bench")]
pub struct Args {
    /// The `helpr-server` executable (release).
    #[arg(long)]
    pub server: PathBuf,
    /// WebSocket sessions held open (each a sign-in of its own).
    #[arg(long, default_value_t = 1000)]
    pub sessions: usize,
    /// Agents in the organization; sessions are spread over them (at most 5 each: the page's
    /// limit per address).
    #[arg(long, default_value_t = 1000)]
    pub users: usize,
    /// Access changes of each kind (member, visibility) per setup.
    #[arg(long, default_value_t = 50)]
    pub changes: usize,
    /// Seconds per round of the list throughput.
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,
    /// Only the single server on SQLite.
    #[arg(long)]
    pub no_postgres: bool,
    /// Where to write the figures as JSON.
    #[arg(long)]
    pub json: PathBuf,
}

/// One setup's figures.
pub struct Figures {
    pub setup: &'static str,
    pub goal_p99_ms: f64,
    pub samples: Vec<changes::Sample>,
    pub filtered: list::Rate,
    pub unfiltered: list::Rate,
    /// Per server: RSS (KiB) restarted after the sign-ins with no socket, then with every socket.
    pub rss: Vec<(u64, u64)>,
    /// Per server: peak RSS (KiB) of its first run, through the user creations and sign-ins
    /// (argon2, 19 MiB each, on blocking threads).
    pub sign_in_peak: Vec<u64>,
    pub sessions: usize,
    pub users: usize,
    pub inboxes: usize,
}

/// Raises this process's open-file limit to its hard limit (the servers, started from here,
/// inherit it): a socket is a descriptor on each side.
fn raise_file_limit() -> anyhow::Result<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid pointer to a local struct.
    unsafe {
        anyhow::ensure!(
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0,
            "getrlimit: {}",
            std::io::Error::last_os_error()
        );
        limit.rlim_cur = limit.rlim_max;
        anyhow::ensure!(
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0,
            "setrlimit: {}",
            std::io::Error::last_os_error()
        );
    }
    Ok(limit.rlim_cur)
}

fn client_of(server: &ServerProcess) -> anyhow::Result<TeamClient> {
    let address = ServerAddress::parse(&format!("https://{}", server.addr))
        .map_err(|e| anyhow::anyhow!("the server's address: {e}"))?;
    Ok(TeamClient::new(address, Some(&server.fingerprint)))
}

fn elapsed(since: std::time::Instant) -> String {
    format!("{:.1} s", since.elapsed().as_secs_f64())
}

fn serve_all(launches: &[Launch]) -> anyhow::Result<Vec<ServerProcess>> {
    launches
        .iter()
        .map(|l| l.serve().map_err(anyhow::Error::from))
        .collect()
}

fn clients_of(servers: &[ServerProcess]) -> anyhow::Result<Vec<TeamClient>> {
    servers.iter().map(client_of).collect()
}

fn rss_of(servers: &[ServerProcess]) -> anyhow::Result<Vec<u64>> {
    Ok(servers
        .iter()
        .map(ServerProcess::rss_kib)
        .collect::<Result<_, _>>()?)
}

/// Runs one setup on the servers of `launches` (the first takes the sign-ins and the changes).
/// The servers are restarted once every session is signed in, so that the memory read before
/// the sockets open holds the organization and its sessions and not what the sign-ins' argon2
/// left in the allocator.
async fn run_setup(
    args: &Args,
    setup: &'static str,
    goal_p99_ms: f64,
    launches: &[Launch],
) -> anyhow::Result<Figures> {
    let servers = serve_all(launches)?;
    for (server, launch) in servers.iter().zip(launches) {
        println!(
            "[{setup}] helpr-server (pid {}) at {}, data in {}",
            server.pid(),
            server.addr,
            launch.data_dir.display()
        );
    }
    let clients = clients_of(&servers)?;
    let t = std::time::Instant::now();
    let owner_email = [org::OWNER_EMAIL.to_owned()];
    let owner_token = sessions::sign_in_all(&clients[0], &servers[0].fingerprint, &owner_email, 1)
        .await?
        .remove(0)
        .token;
    let owner = clients[0].with_token(SecretString::from(owner_token.clone()));
    let org = org::populate(&owner, args.users).await?;
    println!(
        "[{setup}] {} users, {} inboxes made ({})",
        org.users.len(),
        org.inboxes,
        elapsed(t)
    );
    let t = std::time::Instant::now();
    let emails: Vec<String> = org.users.iter().map(|(_, e)| e.clone()).collect();
    let signed_in =
        sessions::sign_in_all(&clients[0], &servers[0].fingerprint, &emails, args.sessions).await?;
    println!(
        "[{setup}] {} sessions signed in ({})",
        signed_in.len(),
        elapsed(t)
    );

    let sign_in_peak: Vec<u64> = servers
        .iter()
        .map(ServerProcess::peak_kib)
        .collect::<Result<_, _>>()?;
    drop(servers);
    let servers = serve_all(launches)?;
    let clients = clients_of(&servers)?;
    let owner = clients[0].with_token(SecretString::from(owner_token.clone()));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_of(&servers)?;
    println!("[{setup}] servers restarted; RSS read with no socket open");

    let t = std::time::Instant::now();
    let (notes_tx, mut notes) = tokio::sync::mpsc::unbounded_channel();
    let (seq, readers) = sessions::open_all(&clients, &signed_in, notes_tx).await?;
    // Let every connection settle before reading memory.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let with = rss_of(&servers)?;
    println!(
        "[{setup}] {} sockets open, each welcomed with a snapshot ({})",
        readers.len(),
        elapsed(t)
    );

    let t = std::time::Instant::now();
    let samples = changes::measure(&owner, &org, &signed_in, &mut notes, seq, args.changes).await?;
    println!(
        "[{setup}] {} access changes timed ({})",
        samples.len(),
        elapsed(t)
    );

    // The agent of session 0 (the organization's inbox, a team's, a desk) and the owner (all).
    let url = format!("https://{}/api/v1/inboxes", servers[0].addr);
    let http = helpr_team::pin::client(&servers[0].fingerprint);
    let agent = list::Caller {
        http: http.clone(),
        url: url.clone(),
        token: signed_in[0].token.clone(),
    };
    let everything = list::Caller {
        http,
        url,
        token: owner_token,
    };
    let (filtered, unfiltered) =
        list::compare(&agent, &everything, Duration::from_secs(args.seconds)).await?;
    println!("[{setup}] list throughput measured");
    drop(readers);
    drop(servers);
    Ok(Figures {
        setup,
        goal_p99_ms,
        samples,
        filtered,
        unfiltered,
        rss: before.into_iter().zip(with).collect(),
        sign_in_peak,
        sessions: args.sessions,
        users: args.users,
        inboxes: org.inboxes,
    })
}

async fn single(args: &Args, root: &std::path::Path) -> anyhow::Result<Figures> {
    let launch = Launch {
        bin: args.server.clone(),
        data_dir: root.join("single"),
        key_file: root.join("single.key"),
        database: None,
        log: root.join("single.log"),
        gmail_config: None,
    };
    launch.create_org(org::OWNER_EMAIL, org::PASSWORD)?;
    run_setup(args, "single server (SQLite)", 100.0, &[launch]).await
}

async fn replicas(args: &Args, root: &std::path::Path) -> anyhow::Result<Figures> {
    let cluster = tokio::task::spawn_blocking(|| pg_scratch::Options::new().start())
        .await?
        .context("starting a PostgreSQL 15 cluster")?;
    println!("[replicas] PostgreSQL at {}", cluster.url());
    let launch = |name: &str| Launch {
        bin: args.server.clone(),
        data_dir: root.join(name),
        key_file: root.join("replicas.key"),
        database: Some(cluster.url()),
        log: root.join(format!("{name}.log")),
        gmail_config: None,
    };
    let launches = [launch("replica-a"), launch("replica-b")];
    launches[0].create_org(org::OWNER_EMAIL, org::PASSWORD)?;
    let figures = run_setup(args, "two replicas (PostgreSQL)", 250.0, &launches).await;
    tokio::task::spawn_blocking(move || cluster.stop()).await?;
    figures
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        args.users > 0 && args.sessions.div_ceil(args.users) <= 5,
        "at most 5 sessions per user (the sign-in page's limit per address)"
    );
    let files = raise_file_limit()?;
    println!("open files allowed: {files}");
    let root = tempfile::tempdir()?;
    let mut all = vec![single(&args, root.path()).await?];
    if !args.no_postgres {
        all.push(replicas(&args, root.path()).await?);
    }
    report::print(&all);
    report::write_json(&args.json, &all)?;
    println!("figures written to {}", args.json.display());
    Ok(())
}
