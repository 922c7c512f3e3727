//! `helpr reprocess`: runs the mail pipeline again over the messages helpr could not display
//! and kept; prints which ones it now displays and which it still cannot, with the reason.

use std::path::Path;

use helpr_core::{CoreError, Helpr};

use crate::output;

pub async fn run(dir: &Path, json: bool) -> Result<(), CoreError> {
    let helpr = Helpr::open(dir).await?;
    let report = helpr.reprocess().await?;
    if json {
        output::print_json(&report);
        return Ok(());
    }
    let total = report.displayed.len() + report.duplicate.len() + report.still_kept.len();
    if total == 0 {
        println!("no kept messages: every stored message is displayed");
        return Ok(());
    }
    println!(
        "reprocessed {total} kept messages: {} now displayed, {} copies of stored messages \
         (removed), {} still not displayed",
        report.displayed.len(),
        report.duplicate.len(),
        report.still_kept.len()
    );
    for id in &report.displayed {
        println!("  displayed  message {id}");
    }
    for id in &report.duplicate {
        println!("  duplicate  message {id}");
    }
    for s in &report.still_kept {
        println!("  still kept message {}: {}", s.id, output::safe(&s.reason));
    }
    Ok(())
}
