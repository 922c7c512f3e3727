//! Finding one top-level string of a JSON object while its bytes are still arriving: the
//! proxy reads a message's `threadId` from Gmail's answer, decides on it, and only then
//! streams the answer on, holding back just the bytes before the key (Gmail writes `id` and
//! `threadId` first; an answer that writes them last is held whole, in memory, until then).
//!
//! It is a small tokenizer, not a parser: strings (with escapes) and nesting are tracked so
//! that a `"threadId"` inside a nested object, inside a string, or as a value is never taken
//! for the top-level key. Anything that is not an object, or a `threadId` that is not a
//! string, is refused.

/// The answer has no such key (or holds something other than a string there, or is not an
/// object).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Missing;

/// Where the scan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Before the opening brace.
    Start,
    /// A key (or the closing brace) at depth 1.
    Key,
    /// The colon after a key.
    Colon,
    /// A value at depth 1.
    Value,
    /// A value that is ours: must be a string.
    OurValue,
    /// After a value at depth 1: a comma or the closing brace.
    Next,
}

/// Scans a growing buffer for the top-level string value of `key`.
#[derive(Debug)]
pub struct TopLevelString {
    key: &'static str,
    /// The next byte of the buffer to look at.
    pos: usize,
    depth: u32,
    expect: Expect,
    in_string: bool,
    escaped: bool,
    string_start: usize,
    /// The key just read is ours.
    ours: bool,
    /// The decision, once made.
    done: Option<Result<String, Missing>>,
}

impl TopLevelString {
    pub fn new(key: &'static str) -> Self {
        TopLevelString {
            key,
            pos: 0,
            depth: 0,
            expect: Expect::Start,
            in_string: false,
            escaped: false,
            string_start: 0,
            ours: false,
            done: None,
        }
    }

    /// Looks at what `buffer` gained since the last call (it must only ever grow). `Some`
    /// once decided: the value, or [`Missing`].
    pub fn feed(&mut self, buffer: &[u8]) -> Option<Result<String, Missing>> {
        if self.done.is_some() {
            return self.done.clone();
        }
        while self.pos < buffer.len() {
            let i = self.pos;
            let c = buffer[i];
            self.pos += 1;
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if c == b'\\' {
                    self.escaped = true;
                } else if c == b'"' {
                    self.in_string = false;
                    if self.depth == 1 {
                        if let Some(decided) = self.string_ended(&buffer[self.string_start..=i]) {
                            self.done = Some(decided);
                            return self.done.clone();
                        }
                    }
                }
                continue;
            }
            if c.is_ascii_whitespace() {
                continue;
            }
            let decided = match (self.depth, self.expect, c) {
                (0, Expect::Start, b'{') => {
                    self.depth = 1;
                    self.expect = Expect::Key;
                    None
                }
                (0, _, _) => Some(Err(Missing)),
                (1, Expect::Key, b'"') => {
                    self.start_string(i);
                    None
                }
                (1, Expect::Key | Expect::Next, b'}') => Some(Err(Missing)),
                (1, Expect::Colon, b':') => {
                    self.expect = if self.ours {
                        Expect::OurValue
                    } else {
                        Expect::Value
                    };
                    None
                }
                (1, Expect::OurValue, b'"') => {
                    self.start_string(i);
                    None
                }
                (1, Expect::OurValue, _) => Some(Err(Missing)),
                (1, Expect::Value, b'"') => {
                    self.start_string(i);
                    None
                }
                (1, Expect::Value, b'{' | b'[') => {
                    self.depth = 2;
                    None
                }
                (1, Expect::Value, _) => {
                    // A number, true, false or null: its characters run to the comma.
                    self.expect = Expect::Next;
                    None
                }
                (1, Expect::Next, b',') => {
                    self.expect = Expect::Key;
                    None
                }
                (1, Expect::Next, _) => None,
                (1, _, _) => Some(Err(Missing)),
                (_, _, b'"') => {
                    self.start_string(i);
                    None
                }
                (_, _, b'{' | b'[') => {
                    self.depth += 1;
                    None
                }
                (_, _, b'}' | b']') => {
                    self.depth -= 1;
                    if self.depth == 1 {
                        self.expect = Expect::Next;
                    }
                    None
                }
                _ => None,
            };
            if let Some(decided) = decided {
                self.done = Some(decided);
                return self.done.clone();
            }
        }
        None
    }

    /// The buffer ended: whatever was not found is not there.
    pub fn finish(&mut self) -> Result<String, Missing> {
        self.done.clone().unwrap_or(Err(Missing))
    }

    fn start_string(&mut self, at: usize) {
        self.in_string = true;
        self.escaped = false;
        self.string_start = at;
    }

    /// A string at depth 1 closed (`quoted` with its quotes): a key, or a value.
    fn string_ended(&mut self, quoted: &[u8]) -> Option<Result<String, Missing>> {
        match self.expect {
            Expect::Key => {
                let key: Option<String> = serde_json::from_slice(quoted).ok();
                self.ours = key.as_deref() == Some(self.key);
                self.expect = Expect::Colon;
                None
            }
            Expect::OurValue => Some(serde_json::from_slice::<String>(quoted).map_err(|_| Missing)),
            _ => {
                self.expect = Expect::Next;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `json` `step` bytes at a time; the bytes looked at when it decided.
    fn scan(json: &str, step: usize) -> (Result<String, Missing>, usize) {
        let mut s = TopLevelString::new("threadId");
        let mut buffer = Vec::new();
        for chunk in json.as_bytes().chunks(step) {
            buffer.extend_from_slice(chunk);
            if let Some(decided) = s.feed(&buffer) {
                return (decided, s.pos);
            }
        }
        (s.finish(), buffer.len())
    }

    #[test]
    fn gmail_order_decides_before_the_raw_bytes_arrive() {
        let raw = "A".repeat(10_000);
        let json = format!(
            r#"{{"id": "18d1", "threadId": "18c0", "labelIds": ["INBOX"], "raw": "{raw}"}}"#
        );
        for step in [1, 3, 64, 100_000] {
            let (found, looked) = scan(&json, step);
            assert_eq!(found, Ok("18c0".to_owned()), "step {step}");
            assert!(looked < 40, "decided after {looked} bytes");
        }
    }

    #[test]
    fn the_key_is_found_last_too_and_only_at_the_top() {
        let json = r#"{"history":[{"threadId":"nested"}],"payload":{"threadId":"deeper","x":[1,{"threadId":"x"}]},
            "snippet":"say \"threadId\": \"quoted\"","n":12,"ok":true,"none":null,"threadId":"top"}"#;
        for step in [1, 7, 1000] {
            assert_eq!(scan(json, step).0, Ok("top".to_owned()), "step {step}");
        }
    }

    #[test]
    fn escapes_in_keys_and_values_are_read() {
        assert_eq!(
            scan(r#"{"a":"\\","thread\u0049d":"t\"1"}"#, 1).0,
            Ok("t\"1".to_owned())
        );
    }

    #[test]
    fn no_key_a_non_string_or_not_an_object_is_refused() {
        for json in [
            r#"{"id":"1"}"#,
            r#"{"threadId":12}"#,
            r#"{"threadId":{"a":"b"}}"#,
            r#"["threadId","x"]"#,
            r#""threadId""#,
            r#"{"id":"1","#,
            "",
        ] {
            assert_eq!(scan(json, 2).0, Err(Missing), "{json}");
        }
    }
}
