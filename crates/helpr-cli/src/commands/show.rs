//! `helpr show ID`: one message, decrypted: headers, text, html, attachments; `--html` prints
//! only the stored sanitized HTML, `--remote-images` the blocked remote image sources, `--raw`
//! the original source of a message helpr could not display: byte for byte into a pipe or file,
//! with control characters escaped on a terminal (a hostile source must not drive it).

use std::path::Path;

use helpr_core::{CoreError, Helpr};

use crate::output;

/// What `show` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Text,
    Json,
    Html,
    RemoteImages,
    Raw,
}

pub async fn run(dir: &Path, id: i64, view: View) -> Result<(), CoreError> {
    let helpr = Helpr::open(dir).await?;
    if view == View::Raw {
        let source = helpr.original_source(id).await?;
        return output::write_raw(&source)
            .map_err(|e| CoreError::Storage(format!("could not write the source: {e}")));
    }
    let m = helpr.get_message(id).await?;
    match view {
        View::Json => {
            output::print_json(&m);
            return Ok(());
        }
        View::Html => {
            let html = m
                .html
                .ok_or_else(|| CoreError::NotFound(format!("message {id} has no HTML body")))?;
            println!("{}", output::safe_block(&html));
            return Ok(());
        }
        View::RemoteImages => {
            for (i, url) in m.remote_images.iter().enumerate() {
                println!("helpr-remote:{i}\t{}", output::safe(url));
            }
            return Ok(());
        }
        View::Text | View::Raw => {}
    }
    if let Some(reason) = &m.rejected {
        println!(
            "[helpr could not display this message: {}. It is kept as it came: \
             `helpr show {id} --raw` prints its source.]",
            output::safe(reason)
        );
    }
    println!("Date:    {}", output::date(m.date));
    println!("From:    {}", output::safe(&m.from));
    if !m.to.is_empty() {
        println!("To:      {}", output::safe(&m.to.join(", ")));
    }
    if !m.cc.is_empty() {
        println!("Cc:      {}", output::safe(&m.cc.join(", ")));
    }
    println!("Subject: {}", output::safe(&m.subject));
    if !m.labels.is_empty() {
        println!("Labels:  {}", output::safe(&m.labels.join(", ")));
    }
    for a in &m.attachments {
        println!(
            "Attachment {}: {} ({}, {} bytes)",
            a.id,
            output::safe(&a.name),
            output::safe(&a.content_type),
            a.size
        );
    }
    println!();
    println!("{}", output::safe_block(&m.text));
    if let Some(html) = &m.html {
        println!(
            "\n[HTML body: {} bytes, sanitized; `helpr show {id} --html` prints it]",
            html.len()
        );
    }
    if !m.remote_images.is_empty() {
        println!(
            "[{} remote images blocked; `helpr show {id} --remote-images` lists them]",
            m.remote_images.len()
        );
    }
    Ok(())
}
