//! `helpr show ID`: one message, decrypted: headers, text, html, attachments.

use std::path::Path;

use helpr_core::{CoreError, Helpr};

use crate::output;

pub async fn run(dir: &Path, id: i64, json: bool) -> Result<(), CoreError> {
    let helpr = Helpr::open(dir).await?;
    let m = helpr.get_message(id).await?;
    if json {
        output::print_json(&m);
        return Ok(());
    }
    println!("Date:    {}", output::date(m.date));
    println!("From:    {}", m.from);
    if !m.to.is_empty() {
        println!("To:      {}", m.to.join(", "));
    }
    if !m.cc.is_empty() {
        println!("Cc:      {}", m.cc.join(", "));
    }
    println!("Subject: {}", m.subject);
    if !m.labels.is_empty() {
        println!("Labels:  {}", m.labels.join(", "));
    }
    for a in &m.attachments {
        println!(
            "Attachment {}: {} ({}, {} bytes)",
            a.id, a.name, a.content_type, a.size
        );
    }
    println!();
    println!("{}", m.text);
    if let Some(html) = &m.html {
        println!("\n--- html ({} bytes, sanitized) ---\n{html}", html.len());
    }
    Ok(())
}
