//! The harness must see what it is there to see, or every "0 executions, 0 requests" it reports
//! means nothing. These controls render unsanitized HTML in the real browser: a handler that
//! calls `alert`, a remote image, a harmless paragraph; and they prove that sharing a page
//! between fragments neither hides a finding nor pins it on the wrong fragment.

use helpr_browser_check::{Browser, ExecutionKind, Request, RequestKind, Verdict};

fn launch() -> Browser {
    Browser::launch().unwrap_or_else(|e| panic!("the browser check cannot run: {e}"))
}

fn strings(fragments: &[&str]) -> Vec<String> {
    fragments.iter().map(|f| f.to_string()).collect()
}

fn calls(verdict: &Verdict) -> Vec<&str> {
    verdict
        .executions
        .iter()
        .filter(|e| e.kind == ExecutionKind::Call)
        .map(|e| e.detail.as_str())
        .collect()
}

#[test]
fn controls_fire_and_plain_html_stays_quiet() {
    let mut browser = launch();
    browser.self_test().unwrap();
    let verdicts = browser
        .check(&strings(&[
            "<img src=x onerror=alert(1)>",
            r#"<img src="http://example.com/x.png">"#,
            "<p>plain <b>text</b> and <a href=\"https://example.com/\">a link</a></p>",
        ]))
        .unwrap();

    let alert = &verdicts[0];
    assert_eq!(calls(alert), ["alert(1)"], "{alert:#?}");
    assert!(
        alert
            .executions
            .iter()
            .any(|e| e.kind == ExecutionKind::Script && e.detail.ends_with(": alert(1)")),
        "the handler itself must count as a script: {alert:#?}"
    );

    let image = &verdicts[1];
    assert!(image.executions.is_empty(), "{image:#?}");
    assert_eq!(
        image.requests,
        [Request {
            kind: RequestKind::Proxy,
            detail: "GET http://example.com/x.png".into(),
        }]
    );

    assert!(verdicts[2].is_clean(), "{:#?}", verdicts[2]);
}

#[test]
fn shared_pages_attribute_findings_and_survive_fragments_that_swallow_the_rest() {
    let mut browser = launch();
    let mut fragments = strings(&[
        "<p>one</p>",
        // Leaves the parser inside a comment: everything after it on a shared page is swallowed,
        // so the harness must notice the missing markers and render the rest one by one.
        "<!-- never closed",
        "<img src=x onerror=alert(2)>",
        // Clobbers the document properties the harness might use.
        "<form name=body><img name=readyState><img name=querySelectorAll></form>",
        "<div style=\"background:url(https://example.com/bg.png)\">x</div>",
        "<textarea>never closed",
        "<svg onload=alert(3)>",
    ]);
    fragments.extend((0..20).map(|i| format!("<p>quiet {i}</p>")));
    let verdicts = browser.check(&fragments).unwrap();

    assert_eq!(calls(&verdicts[2]), ["alert(2)"], "{:#?}", verdicts[2]);
    assert_eq!(
        verdicts[4].requests,
        [Request {
            kind: RequestKind::Proxy,
            detail: "CONNECT example.com:443".into(),
        }]
    );
    assert_eq!(calls(&verdicts[6]), ["alert(3)"], "{:#?}", verdicts[6]);
    for (i, verdict) in verdicts.iter().enumerate() {
        if ![2, 4, 6].contains(&i) {
            assert!(verdict.is_clean(), "fragment {i}: {verdict:#?}");
        }
    }
}

#[test]
fn navigations_refreshes_unload_requests_and_debugger_statements_are_handled() {
    let mut browser = launch();
    let verdicts = browser
        .check(&strings(&[
            r#"<meta http-equiv="refresh" content="0;url=http://example.com/">"#,
            r#"<meta http-equiv="refresh" content="600;url=http://example.com/">"#,
            r#"<a href="javascript:alert(4)">needs a click</a>"#,
            // Sends its request only as the harness leaves the page.
            r#"<body onpagehide="navigator.sendBeacon('http://example.com/bye', 'x')">"#,
            "<p>after the beacon</p>",
            "<img src=x onerror=\"debugger; alert(5)\">",
        ]))
        .unwrap();
    let kinds = |v: &Verdict| v.requests.iter().map(|r| r.kind).collect::<Vec<_>>();
    assert!(
        kinds(&verdicts[0]).contains(&RequestKind::Navigation),
        "{:#?}",
        verdicts[0]
    );
    assert_eq!(kinds(&verdicts[1]), [RequestKind::PendingRefresh]);
    assert_eq!(calls(&verdicts[2]), ["alert(4)"], "{:#?}", verdicts[2]);
    assert!(
        verdicts[3]
            .requests
            .iter()
            .any(|r| r.detail == "POST http://example.com/bye"),
        "{:#?}",
        verdicts[3]
    );
    assert!(verdicts[4].is_clean(), "{:#?}", verdicts[4]);
    assert_eq!(calls(&verdicts[5]), ["alert(5)"], "{:#?}", verdicts[5]);
}
