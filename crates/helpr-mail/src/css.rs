//! The CSS filter for `style` attributes: keeps presentation, removes everything that can load
//! or run. Escapes (`\75 rl(`, `u\rl(`), comments (`u/**/rl(`) and case are undone before
//! checking, and what is emitted is the decoded form that was checked. Declarations that name
//! `url(`, `image-set(`, `image(`, `cross-fade(`, `element(`, `expression(`, `@import`, a
//! `javascript:`/`vbscript:` URL, or the properties `behavior`/`-moz-binding` are dropped, and so
//! is `position` other than `static`/`relative` (mail may not overlay the reader's UI); a remote
//! `url(…)` is handed back so the reader can offer to load it.

/// Functions and tokens that make a declaration load or run something.
const FORBIDDEN: &[&str] = &[
    "url(",
    "image-set(",
    "image(",
    "cross-fade(",
    "element(",
    "expression(",
    "@import",
    "javascript:",
    "vbscript:",
    "src(",
    "paint(",
    "\\",
    "/*",
    "*/",
];

const FORBIDDEN_PROPERTIES: &[&str] = &["behavior", "-ms-behavior", "-moz-binding", "binding"];

/// Undoes CSS comments and escapes (CSS Syntax §4.3.7): what a browser would see.
fn decode(input: &str) -> String {
    let chars: Vec<char> = input.chars().collect();
    let mut out = String::with_capacity(input.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            // Comment: skip to its end, or to the end of input if unterminated.
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
            continue;
        }
        if c == '\\' {
            i += 1;
            let Some(&next) = chars.get(i) else {
                break;
            };
            if next == '\n' || next == '\r' || next == '\x0c' {
                i += 1;
                continue;
            }
            if next.is_ascii_hexdigit() {
                let start = i;
                while i < chars.len() && i - start < 6 && chars[i].is_ascii_hexdigit() {
                    i += 1;
                }
                let hex: String = chars[start..i].iter().collect();
                let code = u32::from_str_radix(&hex, 16).unwrap_or(0xfffd);
                let decoded = match char::from_u32(code) {
                    Some('\0') | None => '\u{fffd}',
                    Some(ch) => ch,
                };
                out.push(decoded);
                if i < chars.len() && chars[i].is_whitespace() {
                    i += 1;
                }
                continue;
            }
            out.push(next);
            i += 1;
            continue;
        }
        out.push(if c == '\0' { '\u{fffd}' } else { c });
        i += 1;
    }
    out
}

/// Lower-case with every whitespace and control character removed, for token checks.
fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_forbidden(decoded: &str) -> bool {
    let c = compact(decoded);
    FORBIDDEN.iter().any(|f| c.contains(f))
}

/// The remote URL of the first `url(…)` in a decoded value, if it is http(s).
fn remote_url(decoded_value: &str) -> Option<String> {
    let lower = decoded_value.to_ascii_lowercase();
    let start = lower.find("url(")? + 4;
    let rest = &decoded_value[start..];
    let end = rest.find(')')?;
    let inner = rest[..end]
        .trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .trim();
    let l = inner.to_ascii_lowercase();
    if l.starts_with("http://") || l.starts_with("https://") {
        Some(inner.to_string())
    } else if l.starts_with("//") {
        Some(format!("https:{inner}"))
    } else {
        None
    }
}

fn valid_property(p: &str) -> bool {
    let body = p.strip_prefix('-').unwrap_or(p);
    let mut chars = body.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn balanced(value: &str) -> bool {
    let quotes = |q| value.chars().filter(|&c| c == q).count() % 2 == 0;
    let opens = value.chars().filter(|&c| c == '(').count();
    let closes = value.chars().filter(|&c| c == ')').count();
    quotes('"') && quotes('\'') && opens == closes
}

/// Filters one `style` attribute value; remote image URLs found are pushed to `remote`.
pub(crate) fn filter_style(value: &str, remote: &mut Vec<String>) -> String {
    let decoded = decode(value);
    let mut kept: Vec<String> = Vec::new();
    for decl in decoded.split(';') {
        let Some((prop, val)) = decl.split_once(':') else {
            continue;
        };
        let prop = prop.trim().to_ascii_lowercase();
        let val = val.trim();
        if !valid_property(&prop)
            || FORBIDDEN_PROPERTIES.contains(&prop.as_str())
            || prop.ends_with("binding")
            || prop.ends_with("behavior")
            || val.is_empty()
            || !balanced(val)
            || val.contains(['<', '>'])
        {
            continue;
        }
        // Mail may not lift itself out of its box to cover the reader's own UI.
        if prop == "position" && !matches!(compact(val).as_str(), "static" | "relative") {
            continue;
        }
        if is_forbidden(val) {
            if let Some(url) = remote_url(val) {
                remote.push(url);
            }
            continue;
        }
        kept.push(format!("{prop}: {val}"));
    }
    let out = kept.join("; ");
    // Final guard: what we emit must be clean as a whole, as a browser would decode it (comments
    // spanning declarations could otherwise join harmless pieces into a forbidden token).
    if is_forbidden(&out) || is_forbidden(&decode(&out)) {
        return String::new();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> (String, Vec<String>) {
        let mut remote = Vec::new();
        let out = filter_style(s, &mut remote);
        (out, remote)
    }

    #[test]
    fn keeps_presentation() {
        assert_eq!(
            f("color: red; font-family: \"Segoe UI\", Arial; margin:0 0 4px").0,
            "color: red; font-family: \"Segoe UI\", Arial; margin: 0 0 4px"
        );
    }

    #[test]
    fn drops_loading_and_running_constructs_and_keeps_remote_urls() {
        let (out, remote) = f(
            "color: blue; background: url('https://t.example/p.gif'); width: expression(alert(1))",
        );
        assert_eq!(out, "color: blue");
        assert_eq!(remote, vec!["https://t.example/p.gif"]);
        for bad in [
            "background-image: image-set('https://x/a.png' 1x)",
            "behavior: url(x.htc)",
            "-moz-binding: url(http://x/xbl#a)",
            "list-style-image: URL(http://x/a.png)",
            "background: -webkit-image-set(url(a.png) 1x)",
            "@import 'http://x/a.css'",
            "width: EXPRESSION(alert(1))",
            "background:u/**/rl(http://x)",
            "background: \\75 rl(http://x)",
            "background: \\000075rl(http://x)",
            "background: u\\rl(http://x)",
            "background: url\n(http://x)",
            "x: javascript:alert(1)",
            "background: cross-fade(url(a), url(b))",
            "content: \"\\\"; background: url(http://x)\"",
            "a: u\\2f\\2a; x: \\2a\\2frl(http://x)",
        ] {
            let (out, _) = f(bad);
            let c = compact(&out);
            assert!(
                !c.contains("url(") && !c.contains("expression(") && !c.contains("http"),
                "{bad:?} -> {out:?}"
            );
        }
    }

    #[test]
    fn mail_cannot_position_itself_over_the_reader() {
        assert_eq!(
            f("position: fixed; top: 0; color: red").0,
            "top: 0; color: red"
        );
        assert_eq!(f("position:ABSOLUTE").0, "");
        assert_eq!(f("position: relative").0, "position: relative");
    }

    #[test]
    fn decodes_escapes_like_a_browser() {
        assert_eq!(decode("\\75 rl"), "url");
        assert_eq!(decode("u\\rl"), "url");
        assert_eq!(decode("u/* c */rl"), "url");
        assert_eq!(decode("a/* open"), "a");
        assert_eq!(decode("\\0"), "\u{fffd}");
    }
}
