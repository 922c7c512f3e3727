//! Hostile input through the real `helpr` binary (issue 13): an offset past every hit, a folder
//! whose symbolic links loop or leave it, control characters in mail and file names, and mbox
//! files framed by `Content-Length`. Each ends in a clear answer, nothing hangs or aborts, and
//! nothing a sender controls reaches the terminal as a control sequence.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use helpr_tests::{message, Scratch};

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn assert_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Bytes that steer a terminal: C0 controls other than newline and tab, DEL, and the UTF-8 of
/// C1 controls and bidi overrides.
fn steering(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c < ' ' && c != '\n' && c != '\t')
                || ('\u{7f}'..='\u{9f}').contains(&c)
                || ('\u{202a}'..='\u{202e}').contains(&c)
        })
        .collect()
}

fn vault_with(messages: &[(&str, Vec<u8>)]) -> Scratch {
    let s = Scratch::new();
    s.init();
    for (name, bytes) in messages {
        s.write_mail(name, bytes);
    }
    s.ok(&["import", s.mail().to_str().unwrap()]);
    s
}

#[test]
fn an_offset_past_every_hit_is_an_empty_page_not_an_abort() {
    let mail: Vec<(String, Vec<u8>)> = (0..3)
        .map(|i| {
            let id = format!("off{i}");
            let bytes = message(&id, "refund request", "please refund", None);
            (format!("{id}.eml"), bytes)
        })
        .collect();
    let refs: Vec<(&str, Vec<u8>)> = mail.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    let s = vault_with(&refs);
    for offset in ["3", "500000000", "4294967295"] {
        let out = s.run(&["search", "refund", "--offset", offset]);
        assert_ok(&out, &format!("search --offset {offset}"));
        assert_eq!(
            stdout(&out).trim(),
            format!("3 messages; none past --offset {offset}")
        );
        let json = s.json(&["search", "refund", "--offset", offset]);
        assert_eq!(json["total"], 3);
        assert_eq!(json["hits"].as_array().unwrap().len(), 0);
    }
    // The last page names no next one: a script following the footer stops.
    let last = stdout(&s.run(&["search", "refund", "--offset", "2", "--limit", "2"]));
    assert!(
        last.ends_with("3–3 of 3 messages (the last page)\n"),
        "{last}"
    );
    let count = stdout(&s.run(&["search", "refund", "--limit", "0"]));
    assert_eq!(count.trim(), "3 messages (--limit 0 counts only)");
}

#[test]
fn an_import_walks_a_looping_folder_once_and_stays_inside_it() {
    let s = Scratch::new();
    s.init();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("private.eml"),
        message("outside", "not yours", "private", None),
    )
    .unwrap();
    let root = s.mail();
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(
        root.join("sub/a.eml"),
        message("inside", "inside", "x", None),
    )
    .unwrap();
    std::os::unix::fs::symlink("..", root.join("sub/up")).unwrap();
    std::os::unix::fs::symlink(&root, root.join("self")).unwrap();
    std::os::unix::fs::symlink(outside.path(), root.join("elsewhere")).unwrap();
    std::os::unix::fs::symlink(root.join("missing.eml"), root.join("dangling.eml")).unwrap();
    let fifo = root.join("pipe");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());

    // A hang here was the bug: the walk went round the loop forever.
    let mut child = s
        .command(&["import", root.to_str().unwrap(), "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("import of a looping folder did not finish");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert_ok(&out, "import");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["imported"], 1, "{report}");
    let mut skipped: Vec<(String, String)> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let path = e["path"].as_str().unwrap();
            let name = Path::new(path).strip_prefix(&root).unwrap();
            (
                name.display().to_string(),
                e["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    skipped.sort();
    let expect = |p: &str, r: &str| (p.to_owned(), r.to_owned());
    assert_eq!(
        skipped,
        [
            expect("dangling.eml", "a dangling symbolic link"),
            expect("elsewhere", "a symbolic link to outside the folder given"),
            expect("pipe", "a named pipe (FIFO), not a file"),
            expect("self", "a folder already walked (a symbolic link loop)"),
            expect("sub/up", "a folder already walked (a symbolic link loop)"),
        ]
    );
    let list = stdout(&s.run(&["list"]));
    assert!(
        list.contains("inside") && !list.contains("not yours"),
        "{list}"
    );

    // The text report lists them too, with their reasons.
    let text = stdout(&s.run(&["import", root.to_str().unwrap()]));
    assert!(text.contains("skipped 5 entries:"), "{text}");
    assert!(
        text.contains("pipe: a named pipe (FIFO), not a file"),
        "{text}"
    );
}

#[test]
fn control_characters_from_mail_and_file_names_never_reach_the_terminal() {
    // RFC 2047 carries ESC, BEL, CR and LF into the decoded subject and sender name.
    let b64 = |s: &str| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(s)
    };
    let subject = format!(
        "=?utf-8?b?{}?=",
        b64("\u{1b}]0;pwned\u{7}Invoice\u{1b}[2J\r\n 99  2024-01-01 forged row")
    );
    let sender = format!("=?utf-8?b?{}?=", b64("Mallory\u{1b}[31m\u{202e}"));
    let raw = format!(
        "From: {sender} <m@evil.test>\r\nTo: team@example.com\r\nSubject: {subject}\r\n\
Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <esc@evil.test>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\nbody \u{1b}[2J\u{9b}31m line\r\nnext\r\n"
    );
    let s = vault_with(&[("esc.eml", raw.into_bytes())]);
    // A file that is not mail, named to forge a report line.
    let forged = s
        .mail()
        .join("x\nhelpr: imported 1000, duplicate 0\u{1b}[2J.eml");
    std::fs::write(&forged, b"").unwrap();

    let id = s.json(&["list"])[0]["id"].as_i64().unwrap().to_string();
    for args in [
        vec!["list"],
        vec!["show", id.as_str()],
        vec!["search", "invoice"],
        vec!["import", s.mail().to_str().unwrap()],
    ] {
        let out = s.run(&args);
        assert_ok(&out, &format!("{args:?}"));
        let text = stdout(&out);
        assert_eq!(
            steering(&text),
            Vec::<char>::new(),
            "{args:?} printed {text:?}"
        );
        assert!(
            !text.contains("\n 99  2024"),
            "{args:?} forged a row: {text}"
        );
        if args[0] != "import" {
            assert!(text.contains("␛]0;pwned␇Invoice␛[2J"), "{args:?}: {text}");
        }
    }
    let shown = stdout(&s.run(&["show", &id]));
    assert!(shown.contains("Mallory␛[31m⟨U+202E⟩"), "{shown}");
    assert!(shown.contains("body ␛[2J⟨U+009B⟩31m line\nnext"), "{shown}");
    let import = stdout(&s.run(&["import", s.mail().to_str().unwrap()]));
    assert!(
        !import.lines().any(|l| l.starts_with("helpr: imported")),
        "a file name forged a line: {import}"
    );
    assert!(
        import.contains("x␊helpr: imported 1000, duplicate 0␛[2J.eml"),
        "{import}"
    );
}

#[test]
fn an_mbox_framed_by_content_length_imports_each_message_whole() {
    let s = Scratch::new();
    s.init();
    let body = "From the desk of Ana:\r\nFrom now on, write to billing@example.com.\r\n";
    let one = format!(
        "From: Ana <ana@example.com>\r\nSubject: framed one\r\nMessage-ID: <cl1@example.com>\r\n\
Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let two =
        "From: Bo <bo@example.com>\r\nSubject: framed two\r\nMessage-ID: <cl2@example.com>\r\n\
Date: Mon, 2 Mar 2026 11:00:00 +0000\r\nContent-Length: 4\r\n\r\nok\r\n";
    let mbox = format!(
        "From ana@example.com Mon Mar  2 10:00:00 2026\r\n{one}\r\nFrom bo@example.com Mon Mar  2 11:00:00 2026\r\n{two}"
    );
    let path = s.write_mail("export.mbox", mbox.as_bytes());
    let report = s.json(&["import", path.to_str().unwrap()]);
    assert_eq!(
        (report["imported"].as_u64(), report["rejected"].as_u64()),
        (Some(2), Some(0))
    );
    let hits = s.json(&["search", "subject:framed"]);
    assert_eq!(hits["total"], 2);
    let id = s.json(&["search", "\"framed one\""])["hits"][0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let shown = s.json(&["show", &id]);
    let text = shown["text"].as_str().unwrap();
    assert!(text.contains("From the desk of Ana:"), "{text}");
    assert!(
        text.contains("From now on, write to billing@example.com."),
        "{text}"
    );

    // mboxrd: a quoted body line comes back unquoted (`>>From` keeps one `>`: helpr-mail's
    // mbox tests; a line starting with `>` is a quote, which `text` leaves out).
    let rd = "From a@example.com Mon Mar  2 10:00:00 2026\n\
From: A <a@example.com>\nSubject: quoted\nMessage-ID: <rd@example.com>\n\n>From the start\nand the end\n";
    let path = s.write_mail("rd.mbox", rd.as_bytes());
    s.ok(&["import", path.to_str().unwrap()]);
    let id = s.json(&["search", "subject:quoted"])["hits"][0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let text = s.json(&["show", &id])["text"].as_str().unwrap().to_owned();
    assert_eq!(text, "From the start\nand the end\n");
}

#[test]
fn deeply_nested_html_is_imported_with_its_nesting_capped() {
    let s = Scratch::new();
    s.init();
    let n = 50_000;
    let html = format!(
        "{}the customer's words{}",
        "<blockquote type=cite><div>".repeat(n),
        "</div></blockquote>".repeat(n)
    );
    let raw = format!(
        "From: Deep <deep@example.com>\r\nTo: team@example.com\r\nSubject: nested\r\n\
Message-ID: <deep@example.com>\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n\
MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n"
    );
    let path = s.write_mail("deep.eml", raw.as_bytes());
    let report = s.json(&["import", path.to_str().unwrap()]);
    assert_eq!(report["imported"], 1, "{report}");
    let id = s.json(&["list"])[0]["id"].as_i64().unwrap().to_string();
    let stored = s.ok(&["show", &id, "--html"]);
    assert!(
        stored.contains("the customer's words"),
        "{}",
        &stored[..200]
    );
    let depth = stored.matches("<blockquote").count() + stored.matches("<div").count();
    assert!(depth <= 512, "{depth} elements kept, the cap is 512");
    assert!(
        depth >= 500,
        "the cap dropped more than what lay past it: {depth}"
    );
}

#[test]
fn reads_during_a_long_import_do_not_wait_for_it() {
    let s = Scratch::new();
    s.init();
    let first = s.mail().join("first");
    helpr_tests::write_sample_maildir(&first, 50, 41);
    s.ok(&["import", first.to_str().unwrap()]);
    let big = s.mail().join("big");
    helpr_tests::write_sample_maildir(&big, 8000, 42);
    let mut import = s
        .command(&["import", big.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the import has committed to the vault (its ids are queued for the index it
    // holds), so a reader finds work it could be tempted to wait for.
    let wal = s.data().join("vault.db-wal");
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < 1 << 20 {
        assert!(
            import.try_wait().unwrap().is_none(),
            "the import ended too soon"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    for args in [
        &["search", "the"][..],
        &["list", "--limit", "5"][..],
        &["index", "stats"][..],
    ] {
        let out = s.run(args);
        assert_ok(&out, &format!("{args:?}"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains('\u{1b}'),
            "colour codes into a pipe: {stderr:?}"
        );
        assert!(
            import.try_wait().unwrap().is_none(),
            "{args:?} returned only after the import had finished: it waited for the writer"
        );
    }
    assert!(import.wait().unwrap().success());
    assert!(s.json(&["search", "the", "--limit", "0"])["total"]
        .as_u64()
        .is_some());
}

/// Mail the pipeline cannot display is kept, not dropped (item 10): stored with its source,
/// listed and shown as "could not be displayed" with the reason, searchable by the headers that
/// parse, its source printed byte for byte by `show --raw`, reported with its id, never stored
/// twice; `reprocess` says it still cannot display it. A file that is no message at all is still
/// only rejected.
#[test]
fn mail_that_cannot_be_displayed_is_kept_with_its_source() {
    let s = Scratch::new();
    s.init();
    // Header-shaped, but without any of From, To, Date, Subject or Message-ID.
    let broken: &[u8] =
        b"Cc: Ops Desk <ops@example.com>\r\nX-Ticket: 4711\r\n\r\nPlease call me about invoice 99.\r\n";
    let dir = s.mail().join("in");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("broken.eml"), broken).unwrap();
    std::fs::write(dir.join("photo.eml"), b"\x89PNG\r\n\x1a\n not mail").unwrap();
    std::fs::write(
        dir.join("good.eml"),
        message("<good@example.com>", "Fine", "a displayable body", None),
    )
    .unwrap();
    let dir_arg = dir.to_str().unwrap();

    let report = s.json(&["import", dir_arg]);
    assert_eq!(report["imported"], 2, "{report}");
    assert_eq!(report["rejected"], 1, "{report}");
    assert!(report["rejections"][0]["source"]
        .as_str()
        .unwrap()
        .ends_with("photo.eml"));
    let kept = report["kept"].as_array().unwrap();
    assert_eq!(kept.len(), 1, "{report}");
    assert!(kept[0]["source"].as_str().unwrap().ends_with("broken.eml"));
    assert!(kept[0]["reason"]
        .as_str()
        .unwrap()
        .contains("not an email message"));
    let id = kept[0]["id"].as_i64().unwrap();
    let id_arg = id.to_string();

    // Listed, marked, and searchable by the header that parsed.
    let list = s.json(&["list"]);
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap();
    assert_eq!(row["kept"], true);
    assert!(row["snippet"]
        .as_str()
        .unwrap()
        .starts_with("could not be displayed: not an email message"));
    assert!(s
        .ok(&["list"])
        .lines()
        .any(|l| l.trim_start().starts_with(&id_arg) && l.contains("[could not be displayed]")));
    assert_eq!(s.search_ids("cc:ops@example.com"), vec![id]);

    // Shown with the reason; its source exactly as it came.
    let shown = s.json(&["show", &id_arg]);
    assert!(shown["rejected"]
        .as_str()
        .unwrap()
        .contains("not an email message"));
    assert!(s
        .ok(&["show", &id_arg])
        .contains("could not display this message"));
    let raw = s.run(&["show", &id_arg, "--raw"]);
    assert_ok(&raw, "show --raw");
    assert_eq!(raw.stdout, broken);
    let good = s.search_ids("displayable")[0].to_string();
    let refused = s.run(&["show", &good, "--raw"]);
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(
        why.contains("only for messages it could not display"),
        "{why}"
    );
    // The source left the vault once: one export on the audit trail, naming that message.
    let exports = s.json(&["audit", "--action", "message.export"]);
    assert_eq!(exports.as_array().unwrap().len(), 1, "{exports}");
    assert_eq!(exports[0]["object_id"].to_string(), id_arg);

    // Importing again stores nothing twice.
    let again = s.json(&["import", dir_arg]);
    assert_eq!(
        (again["imported"].as_u64(), again["duplicate"].as_u64()),
        (Some(0), Some(2))
    );
    assert!(again["kept"].as_array().unwrap().is_empty());

    // Today's pipeline still cannot display it: reprocess keeps it and says why.
    let re = s.json(&["reprocess"]);
    assert_eq!(re["displayed"], serde_json::json!([]), "{re}");
    assert_eq!(re["still_kept"][0]["id"], id, "{re}");
    assert_eq!(s.json(&["show", &id_arg])["rejected"], shown["rejected"]);
    s.assert_doctor_healthy();
}
