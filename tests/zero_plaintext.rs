//! DESIGN §3, the test that defines "zero plaintext at rest": import mail carrying unique
//! canaries (subject, body, attachment name and bytes, sender address, label), use the vault,
//! then scan every byte under the data dir and the process temp dir for each canary in raw,
//! UTF-16, base64 and quoted-printable forms. Expected: 0 hits.

use helpr_tests::{scan, Scratch};

#[test]
fn no_canary_reaches_the_disk_in_any_encoding() {
    let s = Scratch::new();
    s.init();
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let canaries = [
        ("subject", format!("SubjCanary{tag}")),
        ("body", format!("BodyCanary{tag}")),
        ("attachment name", format!("FileCanary{tag}")),
        ("attachment bytes", format!("BytesCanary{tag}")),
        ("address", format!("addrcanary{tag}")),
        ("label", format!("LabelCanary{tag}")),
        ("remote image URL", format!("imgcanary{tag}")),
    ];
    let [subject, body, att_name, att_bytes, address, label, image] =
        canaries.clone().map(|(_, c)| c);
    let mail = format!(
        "From: Canary <{address}@example.com>\r\n\
To: team@example.com\r\n\
Subject: {subject}\r\n\
Date: Mon, 2 Mar 2026 10:00:00 +0000\r\n\
Message-ID: <canary-{tag}@example.com>\r\n\
X-Gmail-Labels: Inbox,{label}\r\n\
Content-Type: multipart/mixed; boundary=B\r\n\r\n\
--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>{body}<img src=\"https://{image}.example/track.gif\"></p>\r\n\
--B\r\nContent-Type: application/octet-stream; name=\"{att_name}.bin\"\r\n\
Content-Disposition: attachment; filename=\"{att_name}.bin\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--B--\r\n",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            att_bytes.as_bytes()
        )
    );
    let file = s.write_mail("canary.eml", mail.as_bytes());

    // Control: the scanner finds every canary in the source mail, so a miss below means absence.
    for (what, canary) in &canaries {
        assert!(
            !scan(&[&s.mail()], canary).is_empty(),
            "scanner control failed for the {what} canary"
        );
    }

    let report = s.json(&["import", file.to_str().unwrap()]);
    assert_eq!(report["imported"], 1, "{report}");
    // Use the vault the way a person would, so WAL, SHM and any temp files exist.
    let list = s.json(&["list"]);
    let id = list[0]["id"].as_i64().unwrap().to_string();
    let shown = s.json(&["show", &id]);
    assert_eq!(shown["subject"], subject.as_str());
    assert!(shown["text"].as_str().unwrap().contains(&body));
    assert_eq!(shown["attachments"][0]["name"], format!("{att_name}.bin"));
    assert!(shown["labels"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l == label.as_str()));
    assert!(shown["from"].as_str().unwrap().contains(&address));
    let remote = s.ok(&["show", &id, "--remote-images"]);
    assert!(remote.contains(&image), "{remote}");
    s.ok(&["keys", "rotate"]);
    s.ok(&["keys", "retire", "1"]);
    s.ok(&["doctor"]);
    std::fs::remove_file(&file).unwrap();

    let mut hits = Vec::new();
    for (what, canary) in &canaries {
        for (path, form) in scan(&[&s.data(), &s.tmp()], canary) {
            hits.push(format!("{what} canary as {form} in {}", path.display()));
        }
    }
    assert!(hits.is_empty(), "plaintext at rest:\n{}", hits.join("\n"));
    // The data dir holds the vault (so the scan looked at something real).
    assert!(s.data().join("vault.db").metadata().unwrap().len() > 0);
}
