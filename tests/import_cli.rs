//! `helpr import` end to end: .eml, Maildir and mbox sources; idempotent re-import; malformed
//! input rejected with a reason without aborting the batch; `list`/`show` decrypt what came in.

use helpr_tests::{message, Scratch};

#[test]
fn imports_eml_maildir_and_mbox_idempotently_with_reasons() {
    let s = Scratch::new();
    s.init();
    let eml = s.write_mail("one.eml", &message("imp1", "Plain eml", "first body", None));
    let md = s.mail().join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(md.join(sub)).unwrap();
    }
    std::fs::write(
        md.join("cur/100.host:2,S"),
        message(
            "imp2",
            "Seen maildir",
            "second body",
            Some(("report.pdf", b"%PDF-fake")),
        ),
    )
    .unwrap();
    std::fs::write(
        md.join("new/101.host"),
        message("imp3", "New maildir", "third", None),
    )
    .unwrap();
    let mut mbox = Vec::new();
    for (id, subj) in [("imp4", "Mbox one"), ("imp5", "Mbox two")] {
        mbox.extend_from_slice(b"From someone@example.com Mon Mar  2 10:00:00 2026\n");
        // mbox escapes body lines that start with "From " as ">From ".
        mbox.extend_from_slice(&message(
            id,
            subj,
            ">From the start of a line\nmbox body",
            None,
        ));
        mbox.extend_from_slice(b"\n");
    }
    let mbox_path = s.write_mail("all.mbox", &mbox);
    let junk = s.write_mail("junk.eml", b"{\"this\": \"is json, not mail\"}\n");
    let empty = s.write_mail("empty.eml", b"");

    let paths: Vec<&str> = [&eml, &md, &mbox_path, &junk, &empty]
        .iter()
        .map(|p| p.to_str().unwrap())
        .collect();
    let mut args = vec!["import"];
    args.extend(&paths);
    let report = s.json(&args);
    assert_eq!(report["imported"], 5, "{report}");
    assert_eq!(report["duplicate"], 0, "{report}");
    assert_eq!(report["rejected"], 2, "{report}");
    let reasons: Vec<String> = report["rejections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r["source"], r["reason"]))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("junk.eml") && r.contains("not an email")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("empty.eml") && r.contains("empty")),
        "{reasons:?}"
    );

    // Re-importing adds nothing.
    let again = s.json(&args);
    assert_eq!(again["imported"], 0, "{again}");
    assert_eq!(again["duplicate"], 5, "{again}");
    let list = s.json(&["list"]);
    assert_eq!(list.as_array().unwrap().len(), 5);

    let subjects: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    for want in [
        "Plain eml",
        "Seen maildir",
        "New maildir",
        "Mbox one",
        "Mbox two",
    ] {
        assert!(subjects.contains(&want), "{subjects:?}");
    }
    let seen = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"] == "Seen maildir")
        .unwrap();
    assert_eq!(seen["unread"], false);
    assert_eq!(seen["has_attachments"], true);
    let shown = s.json(&["show", &seen["id"].to_string()]);
    assert_eq!(shown["attachments"][0]["name"], "report.pdf");
    assert_eq!(shown["attachments"][0]["size"], 9);
    assert!(shown["text"].as_str().unwrap().contains("second body"));
    let mbox_msg = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"] == "Mbox two")
        .unwrap();
    let shown = s.json(&["show", &mbox_msg["id"].to_string()]);
    assert!(shown["text"]
        .as_str()
        .unwrap()
        .contains("From the start of a line"));

    // Text output carries id, date, from and subject.
    let text = s.ok(&["list"]);
    assert!(
        text.contains("2026-03-02 10:00") && text.contains("Mbox one"),
        "{text}"
    );
}

#[test]
fn bad_input_gets_clear_errors() {
    let s = Scratch::new();
    let out = s.run(&["list"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("helpr init"));
    s.init();
    let out = s.run(&["import", "/no/such/path.eml"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file"));
    let out = s.run(&["show", "999"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("message 999 not found"));
    let out = s.run(&["show", "999", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "not_found");
    let out = s.run(&["keys", "retire", "1"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is active; rotate first"));
}

#[test]
fn threads_replies_by_references() {
    let s = Scratch::new();
    s.init();
    let root = message("root1", "Question", "q", None);
    let reply = String::from_utf8(message("reply1", "Re: Question", "a", None))
        .unwrap()
        .replace(
            "MIME-Version: 1.0\r\n",
            "MIME-Version: 1.0\r\nIn-Reply-To: <root1@example.com>\r\nReferences: <root1@example.com>\r\n",
        );
    // The reply first: threading must not depend on arrival order.
    let r = s.write_mail("reply.eml", reply.as_bytes());
    let q = s.write_mail("root.eml", &root);
    let other = s.write_mail("other.eml", &message("other1", "Unrelated", "x", None));
    for p in [&r, &q, &other] {
        s.ok(&["import", p.to_str().unwrap()]);
    }
    let list = s.json(&["list"]);
    let thread = |subject: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|m| m["subject"] == subject)
            .unwrap_or_else(|| panic!("{subject} not in {list}"))["thread_id"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(thread("Question"), thread("Re: Question"));
    assert_ne!(thread("Question"), thread("Unrelated"));
    let report = s.json(&["doctor"]);
    assert_eq!(report["report"]["messages"], 3);
    assert_eq!(report["healthy"], true);
}

#[test]
fn html_bodies_are_stored_sanitized_with_remote_images_blocked() {
    let s = Scratch::new();
    s.init();
    let mail = "From: a@example.com\r\nSubject: Newsletter\r\nMessage-ID: <nl1@example.com>\r\n\
Content-Type: text/html; charset=utf-8\r\n\r\n\
<p onclick=\"steal()\">Hello <img src=\"https://tracker.example/open.gif\">\
<img src=\"cid:logo@example.com\"><script>alert(1)</script>\
<a href=\"javascript:alert(2)\">x</a></p>";
    let p = s.write_mail("nl.eml", mail.as_bytes());
    s.ok(&["import", p.to_str().unwrap()]);
    let id = s.json(&["list"])[0]["id"].to_string();
    let html = s.ok(&["show", &id, "--html"]);
    assert!(html.contains("Hello"), "{html}");
    assert!(html.contains(r#"src="helpr-remote:0""#), "{html}");
    assert!(
        html.contains(r#"src="helpr-cid:logo@example.com""#),
        "{html}"
    );
    for gone in [
        "onclick",
        "<script",
        "alert",
        "javascript",
        "tracker.example",
    ] {
        assert!(!html.contains(gone), "{gone} in {html}");
    }
    let remote = s.ok(&["show", &id, "--remote-images"]);
    assert_eq!(
        remote.trim(),
        "helpr-remote:0\thttps://tracker.example/open.gif"
    );
    let shown = s.json(&["show", &id]);
    assert_eq!(
        shown["remote_images"][0],
        "https://tracker.example/open.gif"
    );
}

#[test]
fn sanitize_command_uses_the_pipeline_sanitizer_without_a_vault() {
    let s = Scratch::new();
    let dirty = s.write_mail(
        "dirty.html",
        br#"<div style="color:red;background:url(https://t.example/x.png)" onmouseover="x()">ok<iframe src="https://e.example"></iframe></div>"#,
    );
    let out = s.ok(&["sanitize", dirty.to_str().unwrap()]);
    assert_eq!(out.trim(), r#"<div style="color: red">ok</div>"#);
    let out = s.run_with_stdin(&["sanitize", "-"], b"<b>bold</b><script>x</script>");
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "<b>bold</b>");
    let bad = s.write_mail("bad.html", b"\xff\xfe<b>");
    let out = s.run(&["sanitize", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not UTF-8"));
    assert!(!s.data().exists(), "sanitize must not create a vault");
}

#[test]
fn import_stores_replies_without_their_quoted_history() {
    let s = Scratch::new();
    s.init();
    let html_reply = "From: a@example.com\r\nSubject: Re: Plan\r\nMessage-ID: <q1@example.com>\r\n\
Content-Type: multipart/alternative; boundary=ALT\r\n\r\n\
--ALT\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
Sounds good, shipping Friday.\r\n\r\nOn Mon, 2 Mar 2026 at 10:00, Bo <bo@example.com> wrote:\r\n\
> Older text with quotedcanaryplain in it\r\n> more\r\n\
--ALT\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
<div dir=\"ltr\">Sounds good, shipping Friday.</div><br><div class=\"gmail_quote\">\
<div dir=\"ltr\" class=\"gmail_attr\">On Mon, 2 Mar 2026 at 10:00, Bo &lt;bo@example.com&gt; wrote:<br></div>\
<blockquote class=\"gmail_quote\">Older text with quotedcanaryhtml in it</blockquote></div>\r\n\
--ALT--\r\n";
    let p = s.write_mail("reply.eml", html_reply.as_bytes());
    s.ok(&["import", p.to_str().unwrap()]);
    let id = s.json(&["list"])[0]["id"].to_string();
    let shown = s.json(&["show", &id]);
    let text = shown["text"].as_str().unwrap();
    let html = shown["html"].as_str().unwrap();
    assert!(text.contains("shipping Friday"), "{text}");
    assert!(html.contains("shipping Friday"), "{html}");
    for gone in ["quotedcanary", "wrote:"] {
        assert!(!text.contains(gone), "{gone} in text: {text}");
        assert!(!html.contains(gone), "{gone} in html: {html}");
    }
    assert!(!shown["snippet"].to_string().contains("quotedcanary"));
}
