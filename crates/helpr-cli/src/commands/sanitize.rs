//! `helpr sanitize [FILE|-]`: the pipeline's sanitizer on any HTML, printed to stdout.

use std::io::{Read, Write};
use std::path::Path;

use helpr_core::CoreError;

pub async fn run(file: Option<&Path>) -> Result<(), CoreError> {
    let mut input = Vec::new();
    let name = match file {
        Some(p) if p != Path::new("-") => {
            input = std::fs::read(p).map_err(|e| {
                CoreError::InvalidInput(format!("cannot read {}: {e}", p.display()))
            })?;
            p.display().to_string()
        }
        _ => {
            std::io::stdin()
                .read_to_end(&mut input)
                .map_err(|e| CoreError::InvalidInput(format!("cannot read stdin: {e}")))?;
            "stdin".to_string()
        }
    };
    let html = String::from_utf8(input)
        .map_err(|_| CoreError::InvalidInput(format!("{name} is not UTF-8 text")))?;
    let clean = helpr_core::sanitize_html(&html);
    let mut out = std::io::stdout().lock();
    out.write_all(crate::output::safe_block(&clean).as_bytes())
        .and_then(|_| out.write_all(b"\n"))
        .map_err(|e| CoreError::Internal(format!("cannot write output: {e}")))
}
