//! The built binary as a parent process runs it: `--generate 20 --auto-approve
//! --print-config` prints the helpr configuration on stdout while it keeps serving; a client
//! trusting only that file's CA signs in (auto-approve, PKCE) and reads the profile over
//! HTTPS; SIGTERM stops it with nothing else ever written to stdout; `--mailbox` takes an mbox
//! file.

mod common;

use common::token_response_at;
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

#[derive(Deserialize)]
struct HelprConfig {
    oauth: OAuth,
    gmail: Gmail,
    tls: Tls,
}

#[derive(Deserialize)]
struct OAuth {
    auth_url: String,
    token_url: String,
}

#[derive(Deserialize)]
struct Gmail {
    api_url: String,
}

#[derive(Deserialize)]
struct Tls {
    extra_ca_pem: String,
}

/// Starts the binary with `args` plus `--auto-approve --print-config` and reads the TOML up
/// to its closing `"""` line (stdout stays open while it serves).
async fn spawn(args: &[&str]) -> (Child, HelprConfig, BufReader<ChildStdout>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_google-emulator"))
        .args(args)
        .args(["--auto-approve", "--print-config"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut text = String::new();
    let mut in_pem = false;
    loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).await.unwrap() > 0, "{text}");
        text.push_str(&line);
        if line.starts_with("extra_ca_pem = \"\"\"") {
            in_pem = true;
        } else if in_pem && line.trim_end() == "\"\"\"" {
            break;
        }
    }
    (child, toml::from_str(&text).unwrap(), stdout)
}

async fn profile(config: &HelprConfig) -> Value {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let https = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_pem(config.tls.extra_ca_pem.as_bytes()).unwrap(),
        )
        .build()
        .unwrap();
    let token = token_response_at(
        &browser,
        &config.oauth.auth_url,
        &https,
        &config.oauth.token_url,
    )
    .await;
    let response = https
        .get(format!("{}/profile", config.gmail.api_url))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
}

#[tokio::test]
async fn generate_prints_the_config_and_serves_the_generated_mailbox() {
    let (mut child, config, mut stdout) = spawn(&["--generate", "20", "--seed", "5"]).await;
    let profile = profile(&config).await;
    assert_eq!(profile["messagesTotal"], 20);
    assert_eq!(profile["emailAddress"], "user@example.com");
    assert!(child.try_wait().unwrap().is_none(), "still serving");

    // SIGTERM stops it cleanly, and stdout never carried anything but the config.
    let pid = child.id().unwrap().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).await.unwrap();
    assert_eq!(rest, "", "nothing after the config on stdout");
    assert!(child.wait().await.unwrap().success());
}

#[tokio::test]
async fn mailbox_takes_an_mbox_file() {
    let path = std::env::temp_dir().join(format!("google-emulator-{}.mbox", std::process::id()));
    std::fs::write(
        &path,
        "From alice@example.org Mon Jan  1 10:00:00 2024\n\
         From: alice@example.org\nTo: team@helpr.test\nSubject: One\n\
         Date: Mon, 1 Jan 2024 10:00:00 +0000\nMessage-ID: <one@x>\n\n>From the start.\n\n\
         From bob@example.org Tue Jan  2 10:00:00 2024\n\
         From: bob@example.org\nTo: team@helpr.test\nSubject: Two\n\
         Date: Tue, 2 Jan 2024 10:00:00 +0000\nMessage-ID: <two@x>\n\nHi.\n\n\
         From team@helpr.test Wed Jan  3 10:00:00 2024\n\
         From: team@helpr.test\nTo: bob@example.org\nSubject: Re: Two\n\
         Date: Wed, 3 Jan 2024 10:00:00 +0000\nMessage-ID: <three@x>\nIn-Reply-To: <two@x>\n\n\
         Reply.\n",
    )
    .unwrap();
    let (mut child, config, _stdout) = spawn(&[
        "--mailbox",
        path.to_str().unwrap(),
        "--account",
        "team@helpr.test",
    ])
    .await;
    let profile = profile(&config).await;
    std::fs::remove_file(&path).unwrap();
    assert_eq!(profile["emailAddress"], "team@helpr.test");
    assert_eq!(profile["messagesTotal"], 3);
    assert_eq!(profile["threadsTotal"], 2, "the reply joined its parent");
    child.kill().await.unwrap();
}
