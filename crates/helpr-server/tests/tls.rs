//! The server speaks only TLS: with a certificate it makes at first start and keeps (same
//! fingerprint after a restart, key readable by its owner only), or with the administrator's.
//! A client that pins the fingerprint gets through; one that checks public roots, one pinned
//! to another fingerprint, and a plain-HTTP one do not.

use std::net::SocketAddr;
use std::path::Path;

use helpr_proto::views::VersionView;
use helpr_server::{Config, Server};
fn pinned_client(fingerprint: &str) -> reqwest::Client {
    helpr_team::pin::client(fingerprint)
}

fn config(data_dir: &Path) -> Config {
    Config::local(data_dir)
}

async fn version(client: &reqwest::Client, addr: SocketAddr) -> reqwest::Result<VersionView> {
    client
        .get(format!("https://{addr}/api/v1/version"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

#[tokio::test]
async fn a_made_certificate_is_kept_and_only_a_client_pinning_it_gets_through() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(config(data.path())).await.unwrap();
    let addr = server.addr;

    let answer = version(&pinned_client(&server.fingerprint), addr)
        .await
        .unwrap();
    assert_eq!(answer.proto, helpr_proto::PROTO_VERSION);

    // Public roots do not vouch for it; another pin is not it; plain HTTP gets no answer.
    assert!(version(&reqwest::Client::new(), addr).await.is_err());
    let other = "00:".repeat(31) + "00";
    assert!(version(&pinned_client(&other), addr).await.is_err());
    let plain = reqwest::Client::new()
        .get(format!("http://{addr}/api/v1/version"))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP answered: {plain:?}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = std::fs::metadata(data.path().join("tls/server.key")).unwrap();
        assert_eq!(key.permissions().mode() & 0o777, 0o600);
    }

    // A restart presents the same certificate.
    let fingerprint = server.fingerprint.clone();
    server.stop();
    let again = Server::start(config(data.path())).await.unwrap();
    assert_eq!(again.fingerprint, fingerprint);
    assert!(version(&pinned_client(&fingerprint), again.addr)
        .await
        .is_ok());
}

#[tokio::test]
async fn the_administrator_s_certificate_is_presented_and_bad_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let (cert_path, key_path) = (dir.path().join("a.crt"), dir.path().join("a.key"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();

    let mut given = config(&dir.path().join("data"));
    given.tls_files = Some((cert_path.clone(), key_path.clone()));
    let server = Server::start(given.clone()).await.unwrap();
    assert_eq!(
        server.fingerprint,
        helpr_server::tls::fingerprint(cert.der())
    );
    assert!(version(&pinned_client(&server.fingerprint), server.addr)
        .await
        .is_ok());
    // Nothing was made beside it.
    assert!(!dir.path().join("data/tls").exists());
    server.stop();

    // The key where the certificate should be: refused, naming the file.
    given.tls_files = Some((key_path.clone(), key_path));
    let error = Server::start(given).await.unwrap_err().to_string();
    assert!(
        error.contains("a.key") && error.contains("no certificate"),
        "{error}"
    );
}
