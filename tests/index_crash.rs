//! The search index survives a killed writer (DESIGN §4: vault first, index after, the
//! vault's queue in between). A `helpr import` of a few thousand messages is SIGKILLed at
//! several points; after each kill `doctor` is healthy, the index holds exactly the vault's
//! messages (a broad search returns the ids of `list`, none twice), a re-import finishes the
//! job idempotently, and the results equal a clean import's and a rebuild's. A `helpr index
//! rebuild` is SIGKILLed the same way: the live index keeps answering as before, and the
//! rerun (resumed or restarted) ends with identical results.
//!
//! Kill points come from timing one uninterrupted run of the same work here: a fraction of
//! that duration picks *when* to kill and asserts nothing. Where each kill landed (too early,
//! mid-operation, too late) is read from the data afterwards; while none has landed mid-way,
//! further kills bisect between the latest too-early and the earliest too-late delay (a busy
//! machine changes the timing, not the verdict). At least one must land mid-way, or the test
//! proved nothing. Every kill, wherever it landed, is checked in full.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use helpr_tests::kill::{kill_after, KillPlan, Landed};
use helpr_tests::{write_sample_maildir, Scratch, ALL_HITS, SAMPLE_QUERIES};
use serde_json::Value;

const TOTAL: usize = 3000;
/// Rebuilds commit a checkpoint every 4096 messages: a bigger vault lets a late kill resume.
const BIG: usize = 6000;

/// Where in an uninterrupted run's duration the first kills are sent.
const IMPORT_KILLS: [f64; 4] = [0.15, 0.40, 0.65, 0.90];
const REBUILD_KILLS: [f64; 4] = [0.30, 0.60, 0.80, 0.95];

/// The generated Maildir, written once per test.
fn maildir(root: &Path, count: usize, seed: u64) -> PathBuf {
    let dir = root.join("Maildir");
    write_sample_maildir(&dir, count, seed);
    dir
}

/// Hit subjects per query, newest first: comparable across vaults (subjects are unique in the
/// sample; ids depend on import history).
fn subject_results(s: &Scratch, queries: &[&str]) -> Vec<(String, Vec<String>)> {
    queries
        .iter()
        .map(|q| {
            let page = s.search(q, &["--limit", ALL_HITS]);
            let subjects: Vec<String> = page["hits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["subject"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(page["total"], subjects.len(), "{q}");
            (q.to_string(), subjects)
        })
        .collect()
}

/// `doctor` is healthy, the index holds exactly the vault's messages, once each, and nothing is
/// left queued. Returns how many messages the vault holds.
fn assert_consistent(s: &Scratch, context: &str) -> usize {
    let n = s.assert_doctor_healthy() as usize;
    let list = s.list_ids();
    assert_eq!(list.len(), n, "{context}");
    let page = s.search("after:1970-01-01", &["--limit", ALL_HITS]);
    let hits: Vec<i64> = page["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect();
    let unique: BTreeSet<i64> = hits.iter().copied().collect();
    assert_eq!(
        unique.len(),
        hits.len(),
        "{context}: an id is indexed twice"
    );
    assert_eq!(page["total"], n, "{context}: {}", page["total"]);
    assert_eq!(hits, list, "{context}: the index and the vault disagree");
    let stats = s.json(&["index", "stats"]);
    assert_eq!(stats["docs"], n, "{context}: {stats}");
    assert_eq!(stats["queued"], 0, "{context}: {stats}");
    n
}

fn queries() -> Vec<&'static str> {
    SAMPLE_QUERIES[..10].to_vec()
}

fn import(s: &Scratch, dir: &Path) -> Value {
    s.json(&["import", dir.to_str().unwrap()])
}

#[test]
fn a_killed_import_leaves_a_consistent_index_and_finishes_on_rerun() {
    let root = tempfile::tempdir().unwrap();
    let mail = maildir(root.path(), TOTAL, 81);
    let args = ["import", mail.to_str().unwrap()];

    // The uninterrupted run: what a clean import gives, and how long it takes.
    let clean = Scratch::new();
    clean.init();
    let started = Instant::now();
    let report = import(&clean, &mail);
    let full = started.elapsed();
    assert_eq!(report["imported"], TOTAL, "{report}");
    assert_eq!(assert_consistent(&clean, "clean import"), TOTAL);
    let expected = subject_results(&clean, &queries());

    let mut plan = KillPlan::new(full, &IMPORT_KILLS);
    while let Some(delay) = plan.next_delay() {
        let s = Scratch::new();
        s.init();
        let killed = kill_after(&s, &args, delay);
        let context = format!("import killed after {delay:?} (a full one took {full:?})");
        let n = assert_consistent(&s, &context);
        let landed = match (killed, n) {
            (true, 0) => Landed::TooEarly,
            (true, n) if n < TOTAL => Landed::Midway,
            _ => Landed::TooLate,
        };
        plan.record(delay, landed);
        eprintln!("{context}: {landed:?}, {n} messages stored");

        let report = import(&s, &mail);
        assert_eq!(report["duplicate"], n, "{context}: {report}");
        assert_eq!(report["imported"], TOTAL - n, "{context}: {report}");
        assert_eq!(report["rejected"], 0, "{context}: {report}");
        assert_eq!(report.get("index_error"), None, "{context}: {report}");
        assert_eq!(assert_consistent(&s, &context), TOTAL);
        let results = subject_results(&s, &queries());
        assert_eq!(
            results, expected,
            "{context}: results differ from a clean import"
        );

        let rebuilt = s.json(&["index", "rebuild"]);
        assert_eq!(rebuilt["complete"], true, "{context}: {rebuilt}");
        assert_eq!(
            subject_results(&s, &queries()),
            results,
            "{context}: after rebuild"
        );
    }
    plan.assert_proved("import", full);
}

/// The live index's file names (a finished rebuild replaces them all).
fn live_index_files(s: &Scratch) -> BTreeSet<PathBuf> {
    std::fs::read_dir(s.index_dir())
        .map(|entries| entries.flatten().map(|e| e.file_name().into()).collect())
        .unwrap_or_default()
}

#[test]
fn a_killed_rebuild_keeps_the_live_index_and_the_rerun_ends_identical() {
    let root = tempfile::tempdir().unwrap();
    let mail = maildir(root.path(), BIG, 91);
    let s = Scratch::new();
    s.init();
    assert_eq!(import(&s, &mail)["imported"], BIG);
    let originals = subject_results(&s, &queries());

    let started = Instant::now();
    let report = s.json(&["index", "rebuild"]);
    let full = started.elapsed();
    assert_eq!(report["complete"], true, "{report}");
    assert_eq!(subject_results(&s, &queries()), originals);

    let mut plan = KillPlan::new(full, &REBUILD_KILLS);
    while let Some(delay) = plan.next_delay() {
        let context = format!("rebuild killed after {delay:?} (a full one took {full:?})");
        let live_before = live_index_files(&s);
        let killed = kill_after(&s, &["index", "rebuild"], delay);
        // A side index left (mid-rebuild, or between the swap's renames) is mid-way; a swapped
        // live index without one, too late.
        let landed = if killed && s.data().join("index.rebuild").exists() {
            Landed::Midway
        } else if !killed || live_index_files(&s) != live_before {
            Landed::TooLate
        } else {
            Landed::TooEarly
        };
        plan.record(delay, landed);
        eprintln!("{context}: {landed:?}");
        // The live index is untouched by a rebuild that did not finish.
        assert_eq!(assert_consistent(&s, &context), BIG);
        assert_eq!(subject_results(&s, &queries()), originals, "{context}");

        let rerun = s.json(&["index", "rebuild"]);
        assert_eq!(rerun["complete"], true, "{context}: {rerun}");
        let resumed = rerun["resumed_after"].as_u64().unwrap();
        let indexed = rerun["indexed"].as_u64().unwrap();
        eprintln!("{context}: the rerun resumed after {resumed}, indexed {indexed}");
        // Resumed from a checkpoint, restarted, or (killed once the side index was complete)
        // only swapped in: every message indexed once either way.
        assert_eq!(resumed + indexed, BIG as u64, "{context}: {rerun}");
        assert!(!s.data().join("index.rebuild").exists(), "{context}");
        assert!(!s.data().join("index.old").exists(), "{context}");
        assert_eq!(assert_consistent(&s, &context), BIG);
        assert_eq!(
            subject_results(&s, &queries()),
            originals,
            "{context}: after rerun"
        );
    }
    plan.assert_proved("rebuild", full);
}
