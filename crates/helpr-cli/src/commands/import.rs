//! `helpr import PATH...`: .eml files, Maildir folders, mbox files, with a progress bar and a
//! summary (imported / duplicate / rejected with reasons, and the messages that could not be
//! displayed but were kept, with their ids).

use std::path::{Path, PathBuf};

use helpr_core::{CoreError, Helpr};

use crate::output;

pub async fn run(dir: &Path, paths: Vec<PathBuf>, json: bool) -> Result<(), CoreError> {
    let helpr = Helpr::open(dir).await?;
    let bar = output::bar(
        0,
        "{spinner} importing [{bar:30}] {bytes}/{total_bytes} {msg} ({eta})",
    );
    let progress_bar = bar.clone();
    let started = std::time::Instant::now();
    let report = helpr
        .import(paths, move |p| {
            progress_bar.set_length(p.bytes_total);
            progress_bar.set_position(p.bytes_done);
            progress_bar.set_message(format!(
                "{} new, {} duplicate, {} rejected",
                p.imported, p.duplicate, p.rejected
            ));
        })
        .await;
    bar.finish_and_clear();
    let report = report?;
    if json {
        output::print_json(&report);
        return Ok(());
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "imported {}, duplicate {}, rejected {} in {:.2}s ({:.0} msgs/s)",
        report.imported,
        report.duplicate,
        report.rejected,
        secs,
        (report.imported + report.duplicate) as f64 / secs.max(1e-9)
    );
    if !report.kept.is_empty() {
        println!(
            "{} of them could not be displayed and were kept as they came \
             (`helpr show ID --raw` prints one's source):",
            report.kept.len()
        );
    }
    for k in &report.kept {
        println!(
            "  kept {} as message {}: {}",
            output::safe(&k.source),
            k.id,
            output::safe(&k.reason)
        );
    }
    for r in &report.rejections {
        println!(
            "  rejected {}: {}",
            output::safe(&r.source),
            output::safe(&r.reason)
        );
    }
    if !report.skipped.is_empty() {
        println!("skipped {} entries:", report.skipped.len());
    }
    for s in &report.skipped {
        println!(
            "  skipped {}: {}",
            output::safe(&s.path),
            output::safe(&s.reason)
        );
    }
    Ok(())
}
