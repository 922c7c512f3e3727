//! Key rotation and retirement through helpr-core and the CLI: mail under v1, rotate, mail
//! under v2, everything readable; retire v1 re-seals every record under v2 and deletes v1; an
//! interrupted retire leaves a readable vault and resumes to completion.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use helpr_core::{Helpr, RetireControl, RetireOutcome};
use helpr_tests::{message, Scratch};

fn keys(s: &Scratch) -> Vec<(u64, bool, u64)> {
    s.json(&["keys", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["version"].as_u64().unwrap(),
                k["active"].as_bool().unwrap(),
                k["records"].as_u64().unwrap(),
            )
        })
        .collect()
}

async fn import_n(helpr: &Helpr, s: &Scratch, prefix: &str, n: usize) {
    let dir = s.mail().join(prefix);
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..n {
        let id = format!("{prefix}-{i}");
        let att = (i % 5 == 0).then_some(("data.bin", id.as_bytes()));
        std::fs::write(
            dir.join(format!("{i}.eml")),
            message(&id, &format!("Subject {id}"), &format!("Body {id}"), att),
        )
        .unwrap();
    }
    let report = helpr.import(vec![dir], |_| {}).await.unwrap();
    assert_eq!(report.imported, n as u64);
}

/// Every message opens and its attachment bytes are intact.
async fn assert_all_readable(helpr: &Helpr, expected: usize) {
    let list = helpr.list_messages().await.unwrap();
    assert_eq!(list.len(), expected);
    for m in list {
        let full = helpr.get_message(m.id).await.unwrap();
        let id = full.subject.trim_start_matches("Subject ").to_string();
        assert!(full.text.contains(&format!("Body {id}")), "{}", full.text);
        for a in &full.attachments {
            assert_eq!(helpr.read_attachment(a.id).await.unwrap(), id.as_bytes());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_then_retire_reseals_everything() {
    let s = Scratch::new();
    let helpr = Helpr::init(&s.data(), "default").await.unwrap();
    import_n(&helpr, &s, "v1", 10).await;
    assert_eq!(helpr.rotate_key().await.unwrap(), 2);
    import_n(&helpr, &s, "v2", 6).await;
    assert_all_readable(&helpr, 16).await;

    let before = keys(&s);
    // 10 messages + 2 attachments + the inbox + 1 label-less... per version:
    assert_eq!(before.len(), 2);
    assert_eq!((before[0].0, before[0].1), (1, false));
    assert_eq!((before[1].0, before[1].1), (2, true));
    // v1: the inbox, 10 messages, 2 attachments; v2: 6 messages, 2 attachments.
    assert_eq!(before[0].2, 13);
    assert_eq!(before[1].2, 8);

    let out = s.ok(&["keys", "retire", "1"]);
    assert!(out.contains("retired"), "{out}");
    assert_eq!(keys(&s), vec![(2, true, 21)]);
    drop(helpr);
    let helpr = Helpr::open(&s.data()).await.unwrap();
    assert_all_readable(&helpr, 16).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_retire_resumes() {
    let s = Scratch::new();
    let helpr = Helpr::init(&s.data(), "default").await.unwrap();
    import_n(&helpr, &s, "many", 150).await;
    helpr.rotate_key().await.unwrap();

    let batches = Arc::new(AtomicU32::new(0));
    let seen = Arc::clone(&batches);
    let outcome = helpr
        .retire_key(1, move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
            RetireControl::Stop
        })
        .await
        .unwrap();
    let RetireOutcome::Interrupted {
        resealed,
        remaining,
    } = outcome
    else {
        panic!("expected an interrupted retire, got {outcome:?}");
    };
    assert!(resealed > 0 && remaining > 0, "{outcome:?}");
    assert_eq!(batches.load(Ordering::SeqCst), 1);
    // Mid-retirement the vault is whole: both versions present, every record readable.
    let mid = helpr.list_keys().await.unwrap();
    assert_eq!(mid.len(), 2);
    assert_eq!(mid[0].records, remaining);
    assert_all_readable(&helpr, 150).await;

    // A new process resumes (the key is still there) and finishes.
    drop(helpr);
    let out = s.ok(&["keys", "retire", "1"]);
    assert!(out.contains("retired"), "{out}");
    let helpr = Helpr::open(&s.data()).await.unwrap();
    let after = helpr.list_keys().await.unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].version, 2);
    assert_all_readable(&helpr, 150).await;
}
