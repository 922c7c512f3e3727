//! The words of mail text: tantivy's simple tokenizer (runs of letters and digits, lower-cased,
//! at most 40 bytes), except that Chinese, Japanese and Korean script, which is written without
//! spaces, is cut into overlapping pairs of characters (bigrams). "の配送について" becomes
//! の配 / 配送 / 送に / にに / につ … so a search for 配送 — two characters, one bigram — finds it,
//! and a longer word is a phrase of consecutive bigrams. A lone CJK character is its own token.
//!
//! Indexing and queries use the same analyzer ([`analyzer`]), registered on every index as
//! [`TOKENIZER`].

use std::iter::Peekable;
use std::str::CharIndices;

use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// The name the schema's text fields use.
pub const TOKENIZER: &str = "helpr";

/// The analyzer of every text field, and of query words.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(MailTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .build()
}

/// Registers [`analyzer`] on `index` (tantivy keeps tokenizers per opened index).
pub fn register(index: &tantivy::Index) {
    index.tokenizers().register(TOKENIZER, analyzer());
}

/// Han, kana and hangul: scripts written without spaces between words.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF       // hiragana, katakana
        | 0x31F0..=0x31FF     // katakana extensions
        | 0x3400..=0x4DBF     // CJK extension A
        | 0x4E00..=0x9FFF     // CJK unified ideographs
        | 0xAC00..=0xD7AF     // hangul syllables
        | 0x1100..=0x11FF     // hangul jamo
        | 0x3130..=0x318F     // hangul compatibility jamo
        | 0xF900..=0xFAFF     // CJK compatibility ideographs
        | 0xFF66..=0xFF9F     // half-width katakana
        | 0x20000..=0x2FA1F // supplementary ideographs
    )
}

#[derive(Clone, Default)]
pub struct MailTokenizer {
    token: Token,
}

pub struct MailTokenStream<'a> {
    text: &'a str,
    chars: Peekable<CharIndices<'a>>,
    token: &'a mut Token,
    /// Inside a CJK run: the previous character's offset, and whether it began a bigram yet.
    cjk: Option<(usize, bool)>,
}

impl Tokenizer for MailTokenizer {
    type TokenStream<'a> = MailTokenStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> MailTokenStream<'a> {
        self.token.reset();
        MailTokenStream {
            text,
            chars: text.char_indices().peekable(),
            token: &mut self.token,
            cjk: None,
        }
    }
}

impl MailTokenStream<'_> {
    fn emit(&mut self, from: usize, to: usize) -> bool {
        self.token.text.clear();
        self.token.text.push_str(&self.text[from..to]);
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = self.token.position.wrapping_add(1);
        true
    }

    fn char_end(&self, offset: usize) -> usize {
        offset + self.text[offset..].chars().next().map_or(0, char::len_utf8)
    }
}

impl TokenStream for MailTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if let Some((prev, paired)) = self.cjk {
            match self.chars.peek().copied() {
                Some((next, c)) if is_cjk(c) => {
                    self.chars.next();
                    self.cjk = Some((next, true));
                    let end = self.char_end(next);
                    return self.emit(prev, end);
                }
                _ => {
                    self.cjk = None;
                    if !paired {
                        let end = self.char_end(prev);
                        return self.emit(prev, end);
                    }
                }
            }
        }
        while let Some((from, c)) = self.chars.next() {
            if is_cjk(c) {
                self.cjk = Some((from, false));
                return self.advance();
            }
            if c.is_alphanumeric() {
                let mut to = from + c.len_utf8();
                while let Some(&(at, c)) = self.chars.peek() {
                    if !c.is_alphanumeric() || is_cjk(c) {
                        break;
                    }
                    self.chars.next();
                    to = at + c.len_utf8();
                }
                return self.emit(from, to);
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<(String, usize)> {
        let mut a = analyzer();
        let mut s = a.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = s.next() {
            out.push((t.text.clone(), t.position));
        }
        out
    }

    fn texts(text: &str) -> Vec<String> {
        words(text).into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn latin_text_splits_like_the_simple_tokenizer() {
        assert_eq!(
            texts("Hello, Zoë! Invoice INV-2024 paid."),
            ["hello", "zoë", "invoice", "inv", "2024", "paid"]
        );
    }

    #[test]
    fn cjk_runs_become_overlapping_bigrams_with_consecutive_positions() {
        assert_eq!(
            words("注文 A-54199 の配送"),
            [
                ("注文".to_string(), 0),
                ("a".to_string(), 1),
                ("54199".to_string(), 2),
                ("の配".to_string(), 3),
                ("配送".to_string(), 4),
            ]
        );
        assert_eq!(texts("配"), ["配"]);
        assert_eq!(texts("x配y"), ["x", "配", "y"]);
        assert_eq!(
            texts("서울에서 만나요"),
            ["서울", "울에", "에서", "만나", "나요"]
        );
    }

    #[test]
    fn long_words_are_dropped_and_empty_text_has_no_tokens() {
        assert!(texts(&"a".repeat(41)).is_empty());
        assert!(texts("  ,.; ").is_empty());
    }
}
