//! How mail clients quote the message they answer: Gmail, Apple Mail and Thunderbird put `>`
//! before every quoted line under an "On … wrote:" attribution; Outlook puts an
//! "-----Original Message-----" header block above the unprefixed text. The HTML parts nest the
//! previous message's HTML in each client's own markup (`gmail_quote`, `blockquote type="cite"`,
//! `divRplyFwdMsg`), which is what quote stripping has to recognise.

use time::macros::format_description;

use super::content::{Client, Person};
use super::encode::html_escape;
use super::render::{self, Mailbox};

/// What a reply needs to know about the message it answers.
pub struct Sent {
    pub message_id: String,
    pub from: Mailbox,
    pub to: Mailbox,
    pub subject: String,
    pub at: i64,
    pub text: String,
    pub html_inner: String,
}

/// The reply's text and inner HTML: `own` plus the previous message quoted the way the sender's
/// mail client quotes.
pub fn compose(own: &str, previous: Option<&Sent>, sender: &Person, at: i64) -> (String, String) {
    let own_html = text_to_html(own);
    let Some(prev) = previous else {
        return (own.to_owned(), format!("<div>{own_html}</div>"));
    };
    debug_assert!(prev.at <= at);
    let when = render::local_time(prev.at, sender.utc_offset_minutes);
    let (name, email) = (&prev.from.name, &prev.from.email);
    let (name_html, email_html) = (html_escape(name), html_escape(email));
    let quoted_text = quote_lines(&prev.text);
    match sender.client {
        Client::Gmail => {
            let when = when
                .format(format_description!(
                    "[weekday repr:short], [month repr:short] [day padding:none], [year] at [hour repr:12 padding:none]:[minute] [period]"
                ))
                .unwrap_or_default();
            (
                format!("{own}\n\nOn {when} {name} <{email}> wrote:\n\n{quoted_text}\n"),
                format!(
                    "<div dir=\"ltr\">{own_html}</div><br><div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">On {when} {name_html} &lt;<a href=\"mailto:{email_html}\">{email_html}</a>&gt; wrote:<br></div><blockquote class=\"gmail_quote\" style=\"margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex\">{}</blockquote></div>",
                    prev.html_inner
                ),
            )
        }
        Client::AppleMail => {
            let when = when
                .format(format_description!(
                    "[day padding:none] [month repr:short] [year], at [hour]:[minute]"
                ))
                .unwrap_or_default();
            (
                format!("{own}\n\n> On {when}, {name} <{email}> wrote:\n> \n{quoted_text}\n"),
                format!(
                    "<div>{own_html}</div><div><br><blockquote type=\"cite\"><div>On {when}, {name_html} &lt;{email_html}&gt; wrote:</div><br>{}</blockquote></div>",
                    prev.html_inner
                ),
            )
        }
        Client::Thunderbird => {
            let when = when
                .format(format_description!("[day]/[month]/[year] [hour]:[minute]"))
                .unwrap_or_default();
            let mid = prev.message_id.trim_matches(|c| c == '<' || c == '>');
            (
                format!("{own}\n\nOn {when}, {name} wrote:\n{quoted_text}\n"),
                format!(
                    "<div>{own_html}</div><div class=\"moz-cite-prefix\">On {when}, {name_html} wrote:<br></div><blockquote type=\"cite\" cite=\"mid:{}\">{}</blockquote>",
                    html_escape(mid),
                    prev.html_inner
                ),
            )
        }
        Client::Outlook => {
            let when = when
                .format(format_description!(
                    "[weekday], [month repr:long] [day padding:none], [year] [hour repr:12 padding:none]:[minute] [period]"
                ))
                .unwrap_or_default();
            let to = format!("{} <{}>", prev.to.name, prev.to.email);
            (
                format!(
                    "{own}\n\n-----Original Message-----\nFrom: {name} <{email}>\nSent: {when}\nTo: {to}\nSubject: {}\n\n{}\n",
                    prev.subject, prev.text
                ),
                format!(
                    "<div>{own_html}</div><hr style=\"display:inline-block;width:98%\" tabindex=\"-1\"><div id=\"divRplyFwdMsg\" dir=\"ltr\"><font face=\"Calibri, sans-serif\" style=\"font-size:11pt\" color=\"#000000\"><b>From:</b> {name_html} &lt;{email_html}&gt;<br><b>Sent:</b> {when}<br><b>To:</b> {}<br><b>Subject:</b> {}</font><div>&nbsp;</div></div><div>{}</div>",
                    html_escape(&to),
                    html_escape(&prev.subject),
                    prev.html_inner
                ),
            )
        }
    }
}

/// `> ` before every line (`>` alone for empty lines, `>>` for lines already quoted).
fn quote_lines(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|line| {
            if line.is_empty() {
                ">".to_owned()
            } else if line.starts_with('>') {
                format!(">{line}")
            } else {
                format!("> {line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Paragraphs as `<p>`, line breaks as `<br>`.
pub fn text_to_html(text: &str) -> String {
    text.split("\n\n")
        .map(|paragraph| format!("<p>{}</p>", html_escape(paragraph).replace('\n', "<br>\n")))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn html_document(inner: &str) -> String {
    format!(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>{inner}</body></html>"
    )
}
