//! The team rig: a team server in-process (on a runtime of its own, so tests stay plain
//! blocking code that runs the real `helpr`), with one organization and its owner, and the
//! test browser that fills in its sign-in page.

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;

use helpr_team::testing::Browser;

use crate::Scratch;

pub const OWNER_EMAIL: &str = "owner@example.test";
pub const PASSWORD: &str = "correct horse battery staple";

/// A running team server.
pub struct TeamServer {
    pub runtime: tokio::runtime::Runtime,
    pub server: helpr_server::Server,
    pub data: tempfile::TempDir,
}

impl TeamServer {
    pub fn start() -> TeamServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime for the team server");
        let data = tempfile::tempdir().expect("temp dir");
        let server = runtime.block_on(async {
            let server = helpr_server::Server::start(helpr_server::Config::local(data.path()))
                .await
                .expect("the team server starts");
            helpr_server::setup::create_org(
                &server.hub,
                "Acme",
                "Olive Owner",
                OWNER_EMAIL,
                PASSWORD.to_owned(),
            )
            .await
            .expect("the organization is made");
            server
        });
        TeamServer {
            runtime,
            server,
            data,
        }
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.server.addr)
    }

    pub fn fingerprint(&self) -> &str {
        &self.server.fingerprint
    }

    /// Fills in the sign-in page at `url` as `email`.
    pub fn browse(&self, url: &str, email: &str, password: &str) -> (u16, Option<String>) {
        let browser = Browser {
            http: helpr_team::pin::client(self.fingerprint()),
            email: email.to_owned(),
            password: password.to_owned(),
        };
        self.runtime.block_on(browser.visit(url))
    }

    /// `helpr team sign-in` for `scratch` as `email`: the CLI prints the page's address, the
    /// test browser fills it in; returns the command's exit status and its JSON document.
    pub fn cli_sign_in(
        &self,
        scratch: &Scratch,
        email: &str,
        password: &str,
        fingerprint: &str,
    ) -> (bool, serde_json::Value, String) {
        let url = self.url();
        let mut child = scratch
            .command(&[
                "team",
                "sign-in",
                &url,
                "--fingerprint",
                fingerprint,
                "--no-browser",
                "--json",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run helpr team sign-in");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut first = String::new();
        stdout
            .read_line(&mut first)
            .expect("read the page's address");
        if first.starts_with("https://") {
            self.browse(first.trim(), email, password);
            first.clear();
        }
        let mut rest = String::new();
        stdout
            .read_to_string(&mut rest)
            .expect("read helpr's output");
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .expect("piped")
            .read_to_string(&mut stderr)
            .expect("read helpr's errors");
        let status = child.wait().expect("wait for helpr");
        let text = format!("{first}{rest}");
        let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        (status.success(), json, stderr)
    }
}
