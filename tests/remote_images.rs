//! Remote images through helpr-core, against a local HTTP server standing in for the senders'
//! hosts: nothing is fetched until asked; "load once" fetches each blocked URL once and returns
//! a `data:` URL only for a real image within the size limit (a page, a 404 and an oversized
//! image stay blocked); "always for this sender" is remembered for that sender only (any case),
//! survives closing the vault, and is kept as a fingerprint (the address is not in the data dir
//! in the clear).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use helpr_core::Helpr;

const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

/// A host that answers: `/pixel.gif` a GIF, `/page` HTML, `/big.png` 6 MiB of PNG type,
/// anything else 404. Records every path asked for.
struct Host {
    port: u16,
    asked: Arc<Mutex<Vec<String>>>,
}

impl Host {
    fn start() -> Host {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = log.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap_or_default();
                    let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
                    loop {
                        let mut header = String::new();
                        if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                            break;
                        }
                    }
                    log.lock().unwrap().push(path.clone());
                    let (status, kind, body): (&str, &str, Vec<u8>) = match path.as_str() {
                        "/pixel.gif" => ("200 OK", "image/gif", GIF.to_vec()),
                        "/page" => ("200 OK", "text/html", b"<script>x()</script>".to_vec()),
                        "/big.png" => ("200 OK", "image/png", vec![0; 6 * 1024 * 1024]),
                        _ => ("404 Not Found", "text/plain", b"no".to_vec()),
                    };
                    let mut stream = stream;
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
                         Connection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(&body);
                });
            }
        });
        Host { port, asked }
    }

    fn asked(&self) -> Vec<String> {
        let mut paths = self.asked.lock().unwrap().clone();
        paths.sort();
        paths
    }
}

fn newsletter(port: u16, from: &str, subject: &str) -> String {
    let host = format!("http://127.0.0.1:{port}");
    format!(
        "From: {from}\r\nTo: agent@example.com\r\nSubject: {subject}\r\n\
         Message-ID: <{subject}@shop.example>\r\nDate: Mon, 04 Mar 2024 14:05:00 +0000\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <p>Sale</p><img src=\"{host}/pixel.gif\"><img src=\"{host}/page\">\
         <img src=\"{host}/missing.png\"><img src=\"{host}/big.png\">\r\n"
    )
}

async fn import(helpr: &Helpr, dir: &Path, emls: &[(&str, String)]) -> Vec<i64> {
    let mut paths = Vec::new();
    for (name, eml) in emls {
        let path = dir.join(format!("{name}.eml"));
        std::fs::write(&path, eml).unwrap();
        paths.push(path);
    }
    helpr.import(paths, |_| {}).await.unwrap();
    let listed = helpr.list_messages().await.unwrap();
    emls.iter()
        .map(|(name, _)| listed.iter().find(|m| m.subject == *name).unwrap().id)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn images_load_only_on_request_and_a_trusted_sender_is_remembered() {
    let host = Host::start();
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let helpr = Helpr::init(&data, "default").await.unwrap();
    let ids = import(
        &helpr,
        work.path(),
        &[
            (
                "sale1",
                newsletter(host.port, "Shop News <news@shop.example>", "sale1"),
            ),
            ("sale2", newsletter(host.port, "NEWS@SHOP.EXAMPLE", "sale2")),
            (
                "other",
                newsletter(host.port, "promo@elsewhere.example", "other"),
            ),
        ],
    )
    .await;

    let first = helpr.get_message(ids[0]).await.unwrap();
    assert_eq!(first.remote_images.len(), 4, "{:?}", first.remote_images);
    assert!(!first.images_allowed);
    assert!(
        host.asked().is_empty(),
        "opening fetched {:?}",
        host.asked()
    );

    let loaded = helpr.load_remote_images(ids[0]).await.unwrap();
    let gif = format!(
        "data:image/gif;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(GIF)
    );
    let by_url: Vec<(&str, Option<&str>)> = first
        .remote_images
        .iter()
        .map(|u| u.rsplit('/').next().unwrap())
        .zip(loaded.iter().map(|l| l.as_deref()))
        .collect();
    for (name, image) in &by_url {
        match *name {
            "pixel.gif" => assert_eq!(*image, Some(gif.as_str())),
            _ => assert_eq!(*image, None, "{name} must stay blocked"),
        }
    }
    assert_eq!(
        host.asked(),
        ["/big.png", "/missing.png", "/page", "/pixel.gif"],
        "each URL is fetched once"
    );

    let address = helpr.allow_images_from_sender(ids[0]).await.unwrap();
    assert_eq!(address, "news@shop.example");
    drop(helpr);

    let helpr = Helpr::open(&data).await.unwrap();
    assert!(helpr.get_message(ids[0]).await.unwrap().images_allowed);
    assert!(
        helpr.get_message(ids[1]).await.unwrap().images_allowed,
        "the same sender in another case"
    );
    assert!(!helpr.get_message(ids[2]).await.unwrap().images_allowed);
    drop(helpr);

    let hits = helpr_tests::scan(&[&data], "news@shop.example");
    assert!(hits.is_empty(), "the trusted address at rest: {hits:?}");
}
