//! `helpr list`: id, date, from, subject per message, decrypted.

use std::path::Path;

use helpr_core::{CoreError, Helpr};

use crate::output;

pub async fn run(dir: &Path, json: bool, limit: Option<u32>) -> Result<(), CoreError> {
    let helpr = Helpr::open(dir).await?;
    let messages = helpr
        .list_messages_page(limit.unwrap_or(u32::MAX), 0)
        .await?;
    if json {
        output::print_json(&messages);
        return Ok(());
    }
    for m in &messages {
        println!(
            "{:>6}  {}  {:<32}  {}",
            m.id,
            output::date(m.date),
            output::clip(&m.from, 32),
            output::subject(&m.subject, m.kept)
        );
    }
    if messages.is_empty() {
        println!("no messages (import some with `helpr import PATH`)");
    }
    Ok(())
}
