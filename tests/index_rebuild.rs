//! The search index is derived data that can always be recreated from the vault (DESIGN §4):
//! `helpr index rebuild` gives exactly the results incremental indexing gave (after several
//! imports and deletes); a deleted index folder is recreated by the next command or `doctor`;
//! an index restored from an older backup is reconciled by `doctor` (missing indexed, stale
//! removed); a rebuild stopped after its first page keeps the live index answering and
//! resumes where it stopped, also with writes made meanwhile; a tampered index file makes
//! searches fail with `integrity` and a pointer to `helpr index rebuild`, which repairs it
//! without touching the vault.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use helpr_core::{Helpr, RebuildControl, RebuildProgress, SearchOptions, SearchSort};
use helpr_tests::{files_by_size, ids_of, write_sample_maildir, Scratch, SAMPLE_QUERIES};
use serde_json::{json, Value};

/// The sample queries, plus one that matches everything.
fn queries() -> Vec<&'static str> {
    let mut q = SAMPLE_QUERIES.to_vec();
    q.push("after:1970-01-01");
    q
}

/// A vault with `count` generated messages imported through the CLI.
fn sample_vault(count: usize, seed: u64) -> Scratch {
    let s = Scratch::new();
    s.init();
    import_sample(&s, "sample", count, seed);
    s
}

fn import_sample(s: &Scratch, name: &str, count: usize, seed: u64) -> Value {
    let dir = s.mail().join(name);
    write_sample_maildir(&dir, count, seed);
    let report = s.json(&["import", dir.to_str().unwrap()]);
    assert_eq!(report["imported"], count, "{report}");
    report
}

/// Every sample query matches some messages but not all, so comparing results means something.
fn assert_queries_discriminate(results: &[(String, Vec<i64>)], total: usize) {
    for (query, ids) in results {
        if *query == "after:1970-01-01" {
            assert_eq!(ids.len(), total, "{query}");
        } else {
            assert!(
                !ids.is_empty() && ids.len() < total,
                "{query}: {} of {total}",
                ids.len()
            );
        }
    }
}

fn index_file_names(s: &Scratch) -> Vec<String> {
    let mut names: Vec<String> = files_by_size(&s.index_dir())
        .into_iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn rebuild_gives_exactly_the_results_of_incremental_indexing() {
    let s = Scratch::new();
    s.init();
    // Several imports and deletes: the incremental index has several segments and purges.
    import_sample(&s, "first", 200, 11);
    import_sample(&s, "second", 150, 12);
    let list = s.list_ids();
    for id in [list[0], list[100], list[349]] {
        s.ok(&["delete", &id.to_string()]);
    }
    let total = 347;
    let before = s.results(&queries());
    assert_queries_discriminate(&before, total);
    let names_before = index_file_names(&s);

    let report = s.json(&["index", "rebuild"]);
    assert_eq!(
        report,
        json!({"complete": true, "indexed": total, "resumed_after": 0,
               "repair": {"replayed": 0, "missing_indexed": 0, "stale_removed": 0, "lost": 0}}),
    );
    // The index was really replaced (so "identical" below is not a no-op)…
    assert_ne!(index_file_names(&s), names_before);
    assert!(!s.data().join("index.rebuild").exists());
    assert!(!s.data().join("index.old").exists());
    // …and answers exactly as before.
    assert_eq!(s.results(&queries()), before);
    let stats = s.json(&["index", "stats"]);
    assert_eq!(
        (&stats["docs"], &stats["deleted_docs"], &stats["queued"]),
        (&json!(total), &json!(0), &json!(0)),
        "{stats}"
    );
    assert_eq!(s.assert_doctor_healthy(), total as u64);
    // Relevance finds the same sets (scores may order ties differently across segments).
    for query in ["invoice", "budget report"] {
        let mut by_score =
            ids_of(&s.search(query, &["--sort", "relevance", "--limit", "10000"])["hits"]);
        by_score.sort_unstable();
        let mut by_date = s.search_ids(query);
        by_date.sort_unstable();
        assert_eq!(by_score, by_date, "{query}");
    }
}

#[test]
fn a_deleted_index_folder_is_recreated_by_the_next_command() {
    let s = sample_vault(300, 21);
    let originals = s.results(&queries());
    assert_queries_discriminate(&originals, 300);

    // Any command: `list` never searches, yet the start-up repair rebuilds the index.
    std::fs::remove_dir_all(s.index_dir()).unwrap();
    assert_eq!(s.list_ids().len(), 300);
    assert!(s.index_dir().join("meta.json").is_file());
    assert!(files_by_size(&s.index_dir()).len() > 2);
    assert_eq!(s.json(&["index", "stats"])["docs"], 300);
    assert_eq!(s.results(&queries()), originals);

    // `doctor`.
    std::fs::remove_dir_all(s.index_dir()).unwrap();
    assert_eq!(s.assert_doctor_healthy(), 300);
    assert_eq!(s.results(&queries()), originals);

    // A search as the very next command.
    std::fs::remove_dir_all(s.index_dir()).unwrap();
    assert_eq!(s.results(&queries()), originals);
    assert_eq!(s.json(&["index", "stats"])["queued"], 0);
}

/// Copies the files of folder `from` into a new folder `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        assert!(entry.file_type().unwrap().is_file(), "flat index folder");
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn doctor_reconciles_an_index_restored_from_an_older_backup() {
    let s = sample_vault(200, 31);
    let backup = s.root.path().join("index-backup");
    copy_dir(&s.index_dir(), &backup);
    // After the backup: 50 new messages, 5 old ones deleted (and purged from the live index).
    let old = s.list_ids();
    import_sample(&s, "later", 50, 32);
    for id in &old[..5] {
        s.ok(&["delete", &id.to_string()]);
    }
    let expected = s.results(&queries());
    assert_queries_discriminate(&expected, 245);

    std::fs::remove_dir_all(s.index_dir()).unwrap();
    copy_dir(&backup, &s.index_dir());
    let d = s.json(&["doctor"]);
    assert_eq!(d["healthy"], true, "{d}");
    assert_eq!(
        d["index"]["repair"],
        json!({"replayed": 0, "missing_indexed": 50, "stale_removed": 5, "lost": 0}),
        "{d}"
    );
    assert_eq!(d["index"]["docs"], 245, "{d}");
    assert_eq!(s.results(&queries()), expected);
    let stats = s.json(&["index", "stats"]);
    assert_eq!(
        stats["deleted_docs"], 0,
        "stale entries are purged: {stats}"
    );
}

/// Every query's ids through helpr-core, newest first.
async fn core_results(helpr: &Helpr, queries: &[&str]) -> Vec<(String, Vec<i64>)> {
    let mut out = Vec::new();
    for q in queries {
        let page = helpr
            .search(
                q.to_string(),
                SearchOptions {
                    limit: 10_000,
                    offset: 0,
                    sort: SearchSort::Date,
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{q}: {e}"));
        assert_eq!(page.total as usize, page.hits.len(), "{q}");
        out.push((q.to_string(), page.hits.iter().map(|h| h.id).collect()));
    }
    out
}

/// A fresh vault through helpr-core with `count` generated messages.
async fn core_vault(s: &Scratch, count: usize, seed: u64) -> Helpr {
    let helpr = Helpr::init(&s.data(), "default").await.unwrap();
    let dir = s.mail().join("sample");
    write_sample_maildir(&dir, count, seed);
    let report = helpr.import(vec![dir], |_| {}).await.unwrap();
    assert_eq!(report.imported, count as u64);
    assert_eq!(report.index_error, None);
    helpr
}

/// Rebuilds, stopping after the first page; returns the report and the progress seen.
async fn rebuild_one_page(helpr: &Helpr) -> (helpr_core::RebuildReport, Vec<RebuildProgress>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let report = helpr
        .rebuild_index(move |p| {
            record.lock().unwrap().push(p);
            RebuildControl::Stop
        })
        .await
        .unwrap();
    let seen = seen.lock().unwrap().clone();
    (report, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_rebuild_keeps_the_live_index_and_resumes_where_it_stopped() {
    let s = Scratch::new();
    let helpr = core_vault(&s, 700, 41).await;
    let before = core_results(&helpr, &queries()).await;
    assert_queries_discriminate(&before, 700);

    let (first, seen) = rebuild_one_page(&helpr).await;
    assert_eq!(
        seen,
        [RebuildProgress {
            done: 256,
            total: 700
        }]
    );
    assert!(!first.complete, "{first:?}");
    assert_eq!((first.indexed, first.resumed_after), (256, 0), "{first:?}");
    assert!(s.data().join("index.rebuild").join("meta.json").is_file());
    // Meanwhile the live index answers, in this process and in another one.
    assert_eq!(core_results(&helpr, &queries()).await, before);
    assert_eq!(s.results(&queries()), before);

    let calls = Arc::new(AtomicU32::new(0));
    let last = Arc::new(Mutex::new(RebuildProgress::default()));
    let (count, record) = (Arc::clone(&calls), Arc::clone(&last));
    let second = helpr
        .rebuild_index(move |p| {
            count.fetch_add(1, Ordering::SeqCst);
            let mut last = record.lock().unwrap();
            assert!(
                p.done > last.done,
                "progress goes forward: {p:?} after {last:?}"
            );
            *last = p;
            RebuildControl::Continue
        })
        .await
        .unwrap();
    assert!(second.complete, "{second:?}");
    assert_eq!(second.resumed_after, first.indexed, "{second:?}");
    assert_eq!(second.indexed, 700 - first.indexed, "{second:?}");
    assert_eq!(second.repair, Default::default());
    // 444 messages in pages of 256.
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        *last.lock().unwrap(),
        RebuildProgress {
            done: 700,
            total: 700
        }
    );
    assert!(!s.data().join("index.rebuild").exists());
    assert_eq!(core_results(&helpr, &queries()).await, before);
    assert_eq!(helpr.index_stats().await.unwrap().docs, 700);
    drop(helpr);
    assert_eq!(s.results(&queries()), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_during_a_stopped_rebuild_are_in_the_resumed_one() {
    let s = Scratch::new();
    let helpr = core_vault(&s, 700, 51).await;
    let (first, _) = rebuild_one_page(&helpr).await;
    assert_eq!((first.complete, first.indexed), (false, 256));

    // One message the partial rebuild already holds, one it has not reached, 20 new ones.
    let mut ids: Vec<i64> = helpr
        .list_messages()
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    ids.sort_unstable();
    let (early, late) = (ids[10], ids[600]);
    helpr.delete_message(early).await.unwrap();
    helpr.delete_message(late).await.unwrap();
    let dir = s.mail().join("meanwhile");
    write_sample_maildir(&dir, 20, 52);
    assert_eq!(helpr.import(vec![dir], |_| {}).await.unwrap().imported, 20);
    let expected = core_results(&helpr, &queries()).await;
    assert_queries_discriminate(&expected, 718);
    drop(helpr);

    // Resumed by another process (the CLI).
    let report = s.json(&["index", "rebuild"]);
    assert_eq!(
        report,
        json!({"complete": true, "indexed": 718 - 255, "resumed_after": 255,
               "repair": {"replayed": 0, "missing_indexed": 0, "stale_removed": 1, "lost": 0}}),
        "the deleted message the partial rebuild held is removed after the swap"
    );
    assert_eq!(s.results(&queries()), expected);
    for id in [early, late] {
        let (_, error) = s.json_err(&["show", &id.to_string()]);
        assert_eq!(error["code"], "not_found");
    }
    let stats = s.json(&["index", "stats"]);
    assert_eq!(
        (&stats["docs"], &stats["deleted_docs"]),
        (&json!(718), &json!(0)),
        "{stats}"
    );
}

/// Flips one byte in the middle of the largest file of the live index; returns its name.
fn tamper_largest_index_file(s: &Scratch) -> String {
    let (path, size) = files_by_size(&s.index_dir()).remove(0);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[size as usize / 2] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn a_tampered_index_fails_closed_and_rebuild_repairs_it_without_touching_the_vault() {
    let s = sample_vault(300, 61);
    let originals = s.results(&queries());
    let list = s.json(&["list"]);
    let vault_db = std::fs::read(s.data().join("vault.db")).unwrap();
    let file = tamper_largest_index_file(&s);

    let out = s.run(&["doctor", "--json"]);
    assert!(
        !out.status.success(),
        "doctor must fail on a tampered {file}"
    );
    // One JSON document, even when unhealthy: the report, with the error inside it.
    let d: Value = serde_json::from_slice(&out.stdout).expect("doctor --json prints one document");
    assert_eq!(d["healthy"], false, "{d}");
    assert_eq!(d["error"]["code"], "integrity", "{d}");
    assert_eq!(
        d["report"]["messages"], 300,
        "the vault itself is fine: {d}"
    );
    let why = d["index"]["error"].as_str().unwrap_or_default();
    assert!(why.contains("helpr index rebuild"), "{file}: {d}");

    for query in queries() {
        let (code, error) = s.json_err(&["search", query]);
        assert_eq!(code, 1, "{query}");
        assert_eq!(
            error["code"], "integrity",
            "{query} after tampering {file}: {error}"
        );
        let message = error["message"].as_str().unwrap();
        assert!(message.contains("run `helpr index rebuild`"), "{message}");
    }
    assert_eq!(s.json(&["list"]), list, "the vault still reads");

    let report = s.json(&["index", "rebuild"]);
    assert_eq!(
        (&report["complete"], &report["indexed"]),
        (&json!(true), &json!(300))
    );
    assert_eq!(s.results(&queries()), originals);
    assert_eq!(s.json(&["list"]), list);
    assert_eq!(s.assert_doctor_healthy(), 300);
    assert!(
        std::fs::read(s.data().join("vault.db")).unwrap() == vault_db,
        "vault.db changed"
    );
}

#[test]
fn import_into_a_damaged_index_stores_the_mail_and_rebuild_makes_it_searchable() {
    let s = sample_vault(300, 71);
    tamper_largest_index_file(&s);
    let dir = s.mail().join("more");
    write_sample_maildir(&dir, 40, 72);
    let report = s.json(&["import", dir.to_str().unwrap()]);
    assert_eq!(report["imported"], 40, "{report}");
    let why = report["index_error"].as_str().unwrap_or_default();
    assert!(why.contains("helpr index rebuild"), "{report}");
    assert_eq!(s.list_ids().len(), 340);

    let report = s.json(&["index", "rebuild"]);
    assert_eq!(report["complete"], true, "{report}");
    let all = s.search_ids("after:1970-01-01");
    assert_eq!(all, s.list_ids());
    let stats = s.json(&["index", "stats"]);
    assert_eq!(
        (&stats["docs"], &stats["queued"]),
        (&json!(340), &json!(0)),
        "{stats}"
    );
}
