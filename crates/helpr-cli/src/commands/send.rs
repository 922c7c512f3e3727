//! `helpr send --to ADDR … --subject S [--body TEXT | --body-file FILE | stdin] [--reply-to ID]
//! [--cc ADDR …] [--bcc ADDR …] [--attach FILE …] [--from ADDR]`: sends from a connected Gmail account through helpr-core and
//! prints the sent copy's local id and Message-ID. With `--reply-to`, `--subject` may be left
//! out (`Re: <parent's subject>`).
//!
//! `--secure [--expires-in-days N] [--max-opens N]`: sends it as secure email from a shared
//! inbox (the body and attachments sealed here, the readers mailed a link; see
//! `docs/secure-email.md`); replying in a conversation that has a protected thread answers
//! into it.

use std::io::{IsTerminal as _, Read as _};
use std::path::{Path, PathBuf};

use helpr_core::team::secure::SecureOptions;
use helpr_core::{CoreError, Helpr, OutgoingAttachment, SendRequest};

#[derive(clap::Args)]
pub struct Args {
    /// A recipient (repeat for more): `user@host` or `"Name <user@host>"`.
    #[arg(long)]
    pub to: Vec<String>,
    /// A copy recipient (repeat for more).
    #[arg(long)]
    pub cc: Vec<String>,
    /// A blind copy recipient (repeat for more): in the envelope, not in the headers.
    #[arg(long)]
    pub bcc: Vec<String>,
    /// Optional with --reply-to (then `Re: <parent's subject>`).
    #[arg(long)]
    pub subject: Option<String>,
    /// The body text (else --body-file, else stdin).
    #[arg(long, conflicts_with = "body_file")]
    pub body: Option<String>,
    #[arg(long)]
    pub body_file: Option<PathBuf>,
    /// The local id of the message this replies to (threads it with its parent).
    #[arg(long)]
    pub reply_to: Option<i64>,
    /// A file to attach (repeat for more).
    #[arg(long)]
    pub attach: Vec<PathBuf>,
    /// The Gmail account to send from (default: the first connected one).
    #[arg(long)]
    pub from: Option<String>,
    /// Send it as secure email: readers prove their address and read it in their browser.
    #[arg(long)]
    pub secure: bool,
    /// A secure message's life, in days (default 28).
    #[arg(long, requires = "secure", value_parser = clap::value_parser!(u32).range(1..=366))]
    pub expires_in_days: Option<u32>,
    /// How many times each reader may open a secure message (default: no limit).
    #[arg(long, requires = "secure", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_opens: Option<u32>,
    #[arg(long)]
    pub json: bool,
}

fn body(args: &Args) -> Result<String, CoreError> {
    if let Some(text) = &args.body {
        return Ok(text.clone());
    }
    if let Some(path) = &args.body_file {
        return std::fs::read_to_string(path).map_err(|e| {
            CoreError::InvalidInput(format!("body file {} cannot be read: {e}", path.display()))
        });
    }
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("helpr: type the message body, then Ctrl-D");
    }
    let mut text = String::new();
    stdin
        .read_to_string(&mut text)
        .map_err(|e| CoreError::InvalidInput(format!("the body on stdin cannot be read: {e}")))?;
    Ok(text)
}

pub async fn run(dir: &Path, args: Args) -> Result<(), CoreError> {
    // Before waiting for a body on stdin: a send without a recipient can only fail.
    if args.to.is_empty() {
        return Err(CoreError::InvalidInput(
            "give at least one recipient (--to)".into(),
        ));
    }
    let secure = args.secure.then(|| SecureOptions {
        expires_at: args
            .expires_in_days
            .map(|d| helpr_core::clock::now() + i64::from(d) * 86_400),
        max_opens: args.max_opens,
    });
    let request = SendRequest {
        body: body(&args)?,
        from: args.from,
        to: args.to,
        cc: args.cc,
        bcc: args.bcc,
        subject: args.subject,
        reply_to: args.reply_to,
        attachments: args
            .attach
            .into_iter()
            .map(OutgoingAttachment::File)
            .collect(),
    };
    let helpr = Helpr::open(dir).await?;
    if let Some(options) = secure {
        let sent = helpr.send_secure(request, options).await?;
        if args.json {
            crate::output::print_json(&sent);
        } else {
            println!(
                "sent securely: {} entry {} (message {}), notification message {}",
                sent.id, sent.entry, sent.message.id, sent.notification.id
            );
        }
        return Ok(());
    }
    let sent = helpr.send(request).await?;
    if args.json {
        crate::output::print_json(&sent);
    } else {
        println!(
            "sent: message {} {}",
            sent.id,
            crate::output::safe(&sent.message_id)
        );
    }
    Ok(())
}
