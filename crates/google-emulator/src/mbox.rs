//! Reading an mbox file for seeding (the binary's `--mailbox FILE`): messages start at
//! lines beginning `From ` (the separator line is dropped), and `>From `-quoted lines
//! (`>+From `) lose one `>` (mboxrd, which also undoes mboxo's quoting of `From `).

/// The messages of an mbox, in file order. Text before the first `From ` line is ignored.
pub fn split_mbox(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut messages = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        if line.starts_with(b"From ") {
            messages.extend(current.take());
            current = Some(Vec::new());
            continue;
        }
        let Some(message) = current.as_mut() else {
            continue;
        };
        let quotes = line.iter().take_while(|b| **b == b'>').count();
        if quotes > 0 && line[quotes..].starts_with(b"From ") {
            message.extend_from_slice(&line[1..]);
        } else {
            message.extend_from_slice(line);
        }
    }
    messages.extend(current);
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_from_lines_and_unquotes() {
        let mbox = b"From a@x Mon Jan  1 00:00:00 2024\nSubject: one\n\n>From here\n>>From there\n\
                     From b@x Tue Jan  2 00:00:00 2024\nSubject: two\n\nFromage\n";
        let messages = split_mbox(mbox);
        assert_eq!(messages.len(), 2);
        assert_eq!(
            messages[0],
            b"Subject: one\n\nFrom here\n>From there\n".to_vec()
        );
        assert_eq!(messages[1], b"Subject: two\n\nFromage\n".to_vec());
    }
}
