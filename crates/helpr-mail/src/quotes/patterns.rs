//! The language side of quote stripping, shared by the HTML and plain-text strippers: reply
//! attributions ("On … wrote:" in English, German, French, Spanish), forward and "original message"
//! separators, and Outlook-style header blocks ("From: … Sent: …", localized) with the subject
//! prefix that tells a forward from a reply. Everything here works on [`normalize`]d text.

/// How much of a line [`normalize`] keeps: every pattern here is shorter (attributions are at
/// most [`MAX_ATTRIBUTION`] bytes, separators far less, header labels sit at the start), so a
/// longer line matches nothing either way and normalizing the rest would be wasted work.
const MAX_NORMALIZED: usize = MAX_ATTRIBUTION + 80;

/// Lowercases `s`, turns every kind of whitespace (including no-break and zero-width spaces)
/// into one ASCII space and trims the ends, so patterns can be matched with plain string tests.
/// The result is empty exactly when `s` shows nothing, and stops after [`MAX_NORMALIZED`] bytes.
pub(super) fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(MAX_NORMALIZED + 4));
    let mut pending_space = false;
    let mut rest = s;
    while out.len() < MAX_NORMALIZED {
        let Some(&b) = rest.as_bytes().first() else {
            break;
        };
        // ASCII first: most mail text is, and this loop runs over every visible text node.
        let c = if b.is_ascii() {
            rest = &rest[1..];
            char::from(b)
        } else {
            let Some(c) = rest.chars().next() else {
                break;
            };
            rest = &rest[c.len_utf8()..];
            c
        };
        if c.is_whitespace() || matches!(c, '\u{200b}' | '\u{200c}' | '\u{feff}') {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Whether `s` contains anything a reader would see (not only whitespace of any kind).
pub(super) fn is_significant(s: &str) -> bool {
    s.chars()
        .any(|c| !(c.is_whitespace() || matches!(c, '\u{200b}' | '\u{200c}' | '\u{feff}')))
}

/// The longest attribution we accept; real ones are well under this, and it keeps a long
/// paragraph that happens to start with "On" and end with "wrote:" from matching.
const MAX_ATTRIBUTION: usize = 400;

/// Whether normalized `n` is a reply attribution line, e.g. "On Mon, 3 Mar 2024 at 10:12, Jane
/// Doe <jane@example.com> wrote:", "Am 03.03.2024 um 10:12 schrieb Jane Doe:", "Le 3 mars 2024 à
/// 10:12, Jane Doe a écrit :", "El 3 mar 2024, a las 10:12, Jane Doe escribió:".
pub(super) fn is_attribution(n: &str) -> bool {
    if n.len() > MAX_ATTRIBUTION || !n.ends_with(':') {
        return false;
    }
    let english = n.starts_with("on ") && n.ends_with(" wrote:");
    // "Jane Doe <jane@example.com> wrote:" without a date, as some clients write it.
    let english_bare = n.ends_with("> wrote:") && n.contains('@');
    let german = n.starts_with("am ") && (n.contains(" schrieb ") || n.ends_with(" schrieb:"));
    let french = n.starts_with("le ") && (n.ends_with(" a écrit :") || n.ends_with(" a écrit:"));
    let spanish = n.starts_with("el ") && n.ends_with(" escribió:");
    english || english_bare || german || french || spanish
}

/// A separator line that introduces a block of another message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Separator {
    /// "---------- Forwarded message ---------", "Begin forwarded message:" and their translations.
    Forward,
    /// "-----Original Message-----" and translations: Outlook writes it above replies and forwards
    /// alike, Thunderbird used it for forwards; the header block after it decides.
    Original,
    /// Outlook's line of underscores above a header block; says nothing by itself.
    Rule,
}

const FORWARD_PHRASES: &[&str] = &[
    "forwarded message",
    "begin forwarded message",
    "weitergeleitete nachricht",
    "anfang der weitergeleiteten nachricht",
    "message transféré",
    "début du message transféré",
    "début du message réexpédié",
    "mensaje reenviado",
    "inicio del mensaje reenviado",
    "comienzo del mensaje reenviado",
];

const ORIGINAL_PHRASES: &[&str] = &[
    "original message",
    "ursprüngliche nachricht",
    "originalnachricht",
    "message d'origine",
    "message d’origine",
    "message original",
    "mensaje original",
];

/// Classifies normalized `n` if the whole line is a separator (decorations of `-`, `_`, `=`, `*`
/// and a trailing colon allowed), so prose that mentions "forwarded message" does not count.
pub(super) fn separator(n: &str) -> Option<Separator> {
    if n.len() > 120 {
        return None;
    }
    let core = n.trim_matches(|c: char| matches!(c, '-' | '_' | '=' | '*' | ':' | ' ' | '>'));
    if core.is_empty() {
        return (n.len() >= 10 && n.chars().all(|c| c == '_')).then_some(Separator::Rule);
    }
    if FORWARD_PHRASES.contains(&core) {
        Some(Separator::Forward)
    } else if ORIGINAL_PHRASES.contains(&core) {
        Some(Separator::Original)
    } else {
        None
    }
}

/// The header labels the header-block detector cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    From,
    /// "Sent:" and the "Date:" that Outlook for Mac writes in its place.
    Sent,
    Subject,
}

const LABELS: &[(&str, Label)] = &[
    ("from", Label::From),
    ("von", Label::From),
    ("de", Label::From),
    ("sent", Label::Sent),
    ("gesendet", Label::Sent),
    ("envoyé", Label::Sent),
    ("enviado", Label::Sent),
    ("enviado el", Label::Sent),
    ("date", Label::Sent),
    ("datum", Label::Sent),
    ("fecha", Label::Sent),
    ("subject", Label::Subject),
    ("betreff", Label::Subject),
    ("objet", Label::Subject),
    ("asunto", Label::Subject),
];

/// Splits normalized `n` into a header label and the value after it ("de : jane" and "de: jane"
/// both give `From` and "jane").
fn label(n: &str) -> Option<(Label, &str)> {
    let colon = n.find(':')?;
    let name = n[..colon].trim_end();
    let (_, label) = LABELS.iter().find(|(word, _)| *word == name)?;
    Some((*label, n[colon + 1..].trim_start()))
}

/// What an Outlook-style header block introduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HeaderKind {
    /// The subject carries a forward prefix ("FW:", "Fwd:", "WG:", "TR:", "RV:", "Enc:").
    Forward,
    /// The subject carries a reply prefix ("RE:", "AW:", "Réf :", "SV:").
    Reply,
    /// A subject without either prefix.
    Unknown,
}

fn subject_kind(value: &str) -> HeaderKind {
    // Tags like "[EXTERNAL]" come before the prefix in some organizations.
    let mut v = value.trim_start();
    while let Some(rest) = v.strip_prefix('[') {
        match rest.find(']') {
            Some(end) => v = rest[end + 1..].trim_start(),
            None => break,
        }
    }
    let Some(colon) = v.find(':') else {
        return HeaderKind::Unknown;
    };
    match v[..colon].trim_end() {
        "fw" | "fwd" | "wg" | "tr" | "rv" | "enc" | "doorst" | "vs" => HeaderKind::Forward,
        "re" | "aw" | "ré" | "réf" | "r" | "sv" | "antw" | "res" => HeaderKind::Reply,
        _ => HeaderKind::Unknown,
    }
}

/// How many lines after "From:" the "Sent:" line may come (the name and address can take a few
/// text nodes in HTML).
const SENT_WINDOW: usize = 8;
/// How many lines after "From:" the "Subject:" line may come (long To/Cc lists).
const SUBJECT_WINDOW: usize = 24;

/// If `lines[i]` starts an Outlook-style header block — "From:", then within a few lines "Sent:"
/// (or "Date:"), then "Subject:", in any of the four languages — returns what the block
/// introduces. An empty line ends the block. The subject is required: "From:" and "Date:" alone
/// also label event listings and the like, and everything after a header block is cut.
pub(super) fn header_at<S: AsRef<str>>(lines: &[S], i: usize) -> Option<HeaderKind> {
    let (Label::From, _) = label(lines.get(i)?.as_ref())? else {
        return None;
    };
    let block = lines[i + 1..]
        .iter()
        .map(AsRef::as_ref)
        .take_while(|l| !l.is_empty());
    let mut has_sent = false;
    for (k, line) in block.enumerate().take(SUBJECT_WINDOW) {
        match label(line) {
            Some((Label::Sent, _)) if k < SENT_WINDOW => has_sent = true,
            Some((Label::Subject, value)) if has_sent => {
                let value = if value.is_empty() {
                    lines.get(i + 2 + k).map_or("", AsRef::as_ref)
                } else {
                    value
                };
                return Some(subject_kind(value));
            }
            _ if !has_sent && k >= SENT_WINDOW => return None,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_case_and_every_space() {
        assert_eq!(
            normalize("  De\u{a0}:\t Jane\u{202f}DOE \n"),
            "de : jane doe"
        );
        assert!(!is_significant(" \u{a0}\u{200b}\r\n"));
        assert!(is_significant(" x "));
        assert_eq!(normalize(" \u{a0}\u{200b} "), "");
        let long = "On ".repeat(1000) + "wrote:";
        assert!(normalize(&long).len() <= MAX_NORMALIZED + 4);
        assert!(!is_attribution(&normalize(&long)));
    }

    #[test]
    fn attributions_in_four_languages() {
        for line in [
            "On Mon, Mar 3, 2024 at 10:12 AM Jane Doe <jane@example.com> wrote:",
            "On 3 Mar 2024, at 10:12, Jane Doe <jane@example.com> wrote:",
            "Jane Doe <jane@example.com> wrote:",
            "Am Mo., 3. März 2024 um 10:12 Uhr schrieb Jane Doe <jane@example.com>:",
            "Am 03.03.24 um 10:12 schrieb Jane Doe:",
            "Le lun. 3 mars 2024 à 10:12, Jane Doe <jane@example.com> a écrit :",
            "Le 03/03/2024 à 10:12, Jane Doe a\u{a0}écrit\u{a0}:",
            "El lun, 3 mar 2024 a las 10:12, Jane Doe (<jane@example.com>) escribió:",
        ] {
            assert!(is_attribution(&normalize(line)), "{line}");
        }
        for line in [
            "On Monday we shipped it.",
            "She wrote:",
            "Am Ende: alles gut:",
            "Le plan :",
            "El equipo:",
        ] {
            assert!(!is_attribution(&normalize(line)), "{line}");
        }
    }

    #[test]
    fn separators_are_whole_lines() {
        let sep = |s: &str| separator(&normalize(s));
        assert_eq!(
            sep("---------- Forwarded message ---------"),
            Some(Separator::Forward)
        );
        assert_eq!(
            sep("-------- Forwarded Message --------"),
            Some(Separator::Forward)
        );
        assert_eq!(sep("Begin forwarded message:"), Some(Separator::Forward));
        assert_eq!(
            sep("-------- Weitergeleitete Nachricht --------"),
            Some(Separator::Forward)
        );
        assert_eq!(
            sep("-------- Message transféré --------"),
            Some(Separator::Forward)
        );
        assert_eq!(
            sep("---------- Mensaje reenviado ---------"),
            Some(Separator::Forward)
        );
        assert_eq!(
            sep("-------- Original Message --------"),
            Some(Separator::Original)
        );
        assert_eq!(
            sep("-----Ursprüngliche Nachricht-----"),
            Some(Separator::Original)
        );
        assert_eq!(
            sep("________________________________"),
            Some(Separator::Rule)
        );
        assert_eq!(sep("I forwarded message 12 to Bob"), None);
        assert_eq!(sep("----"), None);
    }

    #[test]
    fn header_blocks_and_their_subjects() {
        let lines = |v: &[&str]| v.iter().map(|s| normalize(s)).collect::<Vec<_>>();
        let reply = lines(&["From: Jane", "Sent: Monday", "To: Bob", "Subject: RE: Plan"]);
        assert_eq!(header_at(&reply, 0), Some(HeaderKind::Reply));
        let fwd = lines(&[
            "Von:",
            "Jane",
            "Gesendet:",
            "Montag",
            "Betreff:",
            "WG: Plan",
        ]);
        assert_eq!(header_at(&fwd, 0), Some(HeaderKind::Forward));
        let fr = lines(&[
            "De :",
            "Jane",
            "Envoyé :",
            "lundi",
            "Objet :",
            "[EXT] TR : Plan",
        ]);
        assert_eq!(header_at(&fr, 0), Some(HeaderKind::Forward));
        let es = lines(&["De: Jane", "Enviado: lunes", "Para: Bob", "Asunto: Plan"]);
        assert_eq!(header_at(&es, 0), Some(HeaderKind::Unknown));
        let listing = lines(&["From: 10:00", "Date: 3 March", "Where: Hall B"]);
        assert_eq!(header_at(&listing, 0), None);
        let subject_first = lines(&["Subject: x", "From: Jane", "Date: Monday", "To: Bob"]);
        assert_eq!(header_at(&subject_first, 1), None);
        let prose = lines(&["From: the team", "we thank you", "", "Sent: yes"]);
        assert_eq!(header_at(&prose, 0), None);
        assert_eq!(header_at(&reply, 1), None);
        assert_eq!(header_at(&reply, 9), None);
    }
}
