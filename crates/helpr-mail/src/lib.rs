//! helpr-mail: mail formats and the message pipeline; knows no storage.
//!
//! - [`source`]: where raw messages come from (`.eml` files, folders of them, Maildir, mbox),
//!   walked without leaving the folders given or looping.
//! - [`mbox`]: splitting an mbox, whichever variant (mboxo/mboxrd, mboxcl/mboxcl2) wrote it.
//! - [`parse`]: MIME parsing with mail-parser into a [`ParsedMail`], or a reason to reject.
//! - [`quotes`]: quoted-history stripping (HTML and plain text) before storage.
//! - [`sanitize`]: the one HTML sanitizer every stored body goes through.
//! - `nesting`: the element-depth cap (512, as browsers) applied in a linear pass before the
//!   quote scan and the sanitizer, whose tree builder is quadratic in the depth;
//!   `html_lex`: the tag-level lexing both linear passes share.

mod css;
mod guard;
mod html_lex;
pub mod mbox;
mod nesting;
pub mod parse;
pub mod quotes;
pub mod sanitize;
pub mod source;

pub use parse::{
    looks_like_mail, parse, salvage, Attachment, KeptHeaders, Mailbox, ParsedMail, Rejection,
};
pub use sanitize::{sanitize, sanitize_html, Sanitized, CID_REFERENCE, REMOTE_PLACEHOLDER};
pub use source::{plan, Plan, RawMessage, Skipped, SourceError, Unit};
