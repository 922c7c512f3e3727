//! Quote stripping against realistic bodies as each mail client writes them (fixtures under
//! `tests/fixtures/quotes/`, written for these tests): per client rule and per language, the
//! reply text stays, the quoted history (a word only it contains) goes, forwards keep their
//! content, quotes followed by reply text stay, quote-only bodies and malformed HTML come back
//! unharmed. A few fixtures are compared byte for byte with `*.expected.*` snapshots.

use std::path::PathBuf;

use helpr_mail::quotes::{strip_html_quotes, strip_text_quotes};

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/quotes")
        .join(name)
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn strip(name: &str) -> (String, String) {
    let input = fixture(name);
    let out = if name.ends_with(".html") {
        strip_html_quotes(&input)
    } else {
        strip_text_quotes(&input)
    };
    (input, out)
}

/// Strips fixture `name`; every word of `kept` must survive, every word of `gone` must not.
fn check(name: &str, kept: &[&str], gone: &[&str]) -> String {
    let (input, out) = strip(name);
    for word in kept.iter().chain(gone) {
        assert!(input.contains(word), "{name}: fixture lacks {word:?}");
    }
    for word in kept {
        assert!(out.contains(word), "{name}: lost {word:?}:\n{out}");
    }
    for word in gone {
        assert!(!out.contains(word), "{name}: kept {word:?}:\n{out}");
    }
    out
}

/// Fixture `name` must come back exactly as it went in.
fn unchanged(name: &str) {
    let (input, out) = strip(name);
    assert_eq!(out, input, "{name} was changed");
}

// ---- Gmail

#[test]
fn gmail_reply_drops_quote_and_attribution() {
    check(
        "gmail_reply.html",
        &["ship on Thursday", "Bob"],
        &["zanzibar", "Quentin", "wrote:"],
    );
}

#[test]
fn gmail_reply_german() {
    check(
        "gmail_reply_de.html",
        &["Zahlen morgen", "Grüße"],
        &["Wolkenkratzer", "schrieb"],
    );
}

#[test]
fn gmail_forward_keeps_forwarded_content() {
    unchanged("gmail_forward.html");
    check(
        "gmail_forward.html",
        &["customer asked", "Forwarded message", "kangaroo"],
        &[],
    );
}

#[test]
fn gmail_forward_german_and_spanish() {
    unchanged("gmail_forward_de.html");
    check("gmail_forward_de.html", &["Zur Info", "Gartenzwergen"], &[]);
    unchanged("gmail_forward_es.html");
    check(
        "gmail_forward_es.html",
        &["Para tu información", "alpaca"],
        &[],
    );
}

#[test]
fn gmail_inline_reply_keeps_interleaved_quotes_and_drops_only_the_last() {
    check(
        "gmail_inline_reply.html",
        &[
            "Answers inline",
            "heron cluster",
            "free all week",
            "signs off",
            "Maria does",
        ],
        &["ibis"],
    );
}

#[test]
fn gmail_bottom_post_keeps_the_quote_above_the_reply() {
    unchanged("gmail_bottom_post.html");
}

#[test]
fn gmail_reply_to_a_forward_drops_the_quoted_forward() {
    check(
        "gmail_reply_to_forward.html",
        &["take a look"],
        &["gazelle", "Forwarded message"],
    );
}

#[test]
fn gmail_quote_only_body_is_kept() {
    unchanged("gmail_quote_only.html");
}

// ---- Outlook

#[test]
fn outlook_web_reply_drops_from_appendonsend() {
    let out = check(
        "outlook_web_reply.html",
        &["go ahead with the order"],
        &["toucan", "divRplyFwdMsg", "appendonsend", "Sent:"],
    );
    assert!(!out.contains("<hr"), "{out}");
}

#[test]
fn outlook_web_forward_keeps_forwarded_content() {
    unchanged("outlook_web_forward.html");
}

#[test]
fn outlook_desktop_header_block_english() {
    check(
        "outlook_desktop_reply_en.html",
        &["invoice is attached", "Bob"],
        &["narwhal", "Sent:"],
    );
}

#[test]
fn outlook_desktop_header_block_german() {
    check(
        "outlook_desktop_reply_de.html",
        &["Rechnung ist im Anhang"],
        &["Eichh&ouml;rnchen", "Gesendet:"],
    );
}

#[test]
fn outlook_desktop_header_block_french() {
    check(
        "outlook_desktop_reply_fr.html",
        &["La facture est en pi&egrave;ce jointe"],
        &["h&eacute;risson", "Envoy&eacute;"],
    );
}

#[test]
fn outlook_desktop_header_block_spanish() {
    check(
        "outlook_desktop_reply_es.html",
        &["Adjunto la factura"],
        &["tortuga", "Enviado:"],
    );
}

#[test]
fn outlook_desktop_forward_german_keeps_content() {
    unchanged("outlook_desktop_forward_de.html");
}

#[test]
fn outlook_original_message_reply_drops_separator_and_history() {
    check(
        "outlook_original_message.html",
        &["server is back up"],
        &["capybara", "Original Message"],
    );
}

// ---- Apple Mail

#[test]
fn apple_reply_drops_cite_blockquote_and_attribution() {
    check(
        "apple_reply.html",
        &["book the room"],
        &["pelican", "wrote:", "Quentin"],
    );
}

#[test]
fn apple_reply_german_attribution() {
    check(
        "apple_reply_de.html",
        &["buche den Raum"],
        &["Pinguin", "schrieb"],
    );
}

#[test]
fn apple_reply_french_attribution() {
    check(
        "apple_reply_fr.html",
        &["je réserve la salle"],
        &["flamant", "a écrit"],
    );
}

#[test]
fn apple_reply_spanish_attribution() {
    check(
        "apple_reply_es.html",
        &["reservo la sala"],
        &["jaguar", "escribió"],
    );
}

#[test]
fn apple_ios_reply_drops_attribution_blockquote_too() {
    check(
        "apple_ios_reply.html",
        &["ten minutes"],
        &["okapi", "wrote:"],
    );
}

#[test]
fn apple_forward_keeps_forwarded_content() {
    unchanged("apple_forward.html");
}

// ---- Thunderbird

#[test]
fn thunderbird_reply_drops_cite_prefix_and_blockquote() {
    check(
        "thunderbird_reply.html",
        &["look right to me", "Bob"],
        &["walrus", "moz-cite-prefix"],
    );
}

#[test]
fn thunderbird_bottom_post_keeps_the_quote_above_the_reply() {
    unchanged("thunderbird_bottom_post.html");
}

#[test]
fn thunderbird_forward_keeps_forwarded_content_and_its_history() {
    unchanged("thunderbird_forward.html");
    check("thunderbird_forward.html", &["flamingo", "albatross"], &[]);
}

#[test]
fn thunderbird_original_message_used_as_forward_is_kept() {
    unchanged("thunderbird_forward_original.html");
}

#[test]
fn thunderbird_forward_french_is_kept() {
    unchanged("thunderbird_forward_fr.html");
}

// ---- Malformed HTML

#[test]
fn quote_left_open_at_the_end_is_still_stripped() {
    check(
        "malformed_unclosed.html",
        &["axolotl"],
        &["yak", "Quentin wrote"],
    );
}

#[test]
fn quote_closed_by_its_parent_keeps_the_reply_after_it() {
    check(
        "malformed_closed_by_parent.html",
        &["capybara", "mink"],
        &[],
    );
    unchanged("malformed_closed_by_parent.html");
}

#[test]
fn nested_cite_blockquotes_go_together() {
    check(
        "malformed_nested.html",
        &["marmot"],
        &["wolverine", "chinchilla", "fourth"],
    );
}

#[test]
fn arbitrary_html_never_panics() {
    let pieces = [
        "<div class=\"gmail_quote\">",
        "<blockquote type=\"cite\">",
        "<blockquote class=\"gmail_quote\">",
        "</blockquote>",
        "</div>",
        "<div id=\"appendonsend\">",
        "<div class=\"moz-cite-prefix\">On x, y wrote:",
        "<b>From:</b> a<br><b>Sent:</b> b<br>",
        "---------- Forwarded message ---------",
        "reply é text",
        "<!-- c",
        "&#x",
        "<p",
        "\u{0}",
    ];
    // Every ordered pair and triple of fragments, which covers unbalanced and cut-off markup.
    for a in pieces {
        for b in pieces {
            for c in pieces {
                let html = format!("{a}{b}{c}");
                let out = strip_html_quotes(&html);
                assert!(!out.is_empty() || html.is_empty());
            }
        }
    }
}

// ---- Plain text

#[test]
fn text_reply_english() {
    let out = check(
        "text_reply_en.txt",
        &["see you Thursday", "Bob"],
        &["iguana", "wrote:"],
    );
    assert!(out.ends_with("Bob\n"), "{out:?}");
}

#[test]
fn text_reply_english_attribution_wrapped_over_two_lines() {
    check(
        "text_reply_en_wrapped.txt",
        &["see you Thursday"],
        &["iguana", "quentin.marsh"],
    );
}

#[test]
fn text_reply_german() {
    check(
        "text_reply_de.txt",
        &["Zahlen morgen", "Grüße"],
        &["Wolkenkratzer", "schrieb"],
    );
}

#[test]
fn text_reply_french() {
    check(
        "text_reply_fr.txt",
        &["chiffres demain"],
        &["hérisson", "écrit"],
    );
}

#[test]
fn text_reply_spanish() {
    check(
        "text_reply_es.txt",
        &["cifras mañana"],
        &["tortuga", "escribió"],
    );
}

#[test]
fn text_reply_with_nested_quote_levels() {
    check(
        "text_reply_thunderbird.txt",
        &["look right to me"],
        &["walrus", "shared folder"],
    );
}

#[test]
fn text_inline_reply_keeps_interleaved_quotes_and_drops_only_the_last() {
    check(
        "text_inline_reply.txt",
        &["heron cluster", "free all week", "signs off", "Maria does"],
        &["ibis"],
    );
}

#[test]
fn text_bottom_post_is_kept() {
    unchanged("text_bottom_post.txt");
}

#[test]
fn text_quote_only_body_is_kept() {
    unchanged("text_quote_only.txt");
}

#[test]
fn text_forwards_keep_their_content_in_every_language() {
    for name in [
        "text_forward_gmail.txt",
        "text_forward_apple.txt",
        "text_forward_apple_quoted.txt",
        "text_forward_de.txt",
        "text_forward_fr.txt",
        "text_forward_es.txt",
        "text_forward_original.txt",
        "text_outlook_forward.txt",
    ] {
        unchanged(name);
    }
    check("text_forward_gmail.txt", &["kangaroo", "koala"], &[]);
    check(
        "text_forward_de.txt",
        &["Gartenzwergen", "Schneeeulen"],
        &[],
    );
    check("text_forward_original.txt", &["flamingo", "albatross"], &[]);
}

#[test]
fn text_outlook_header_block_english() {
    let out = check(
        "text_outlook_reply.txt",
        &["go ahead with the order", "Bob"],
        &["toucan", "____", "Sent:"],
    );
    assert!(out.ends_with("Bob\n"), "{out:?}");
}

#[test]
fn text_outlook_header_block_german_with_original_message_line() {
    check(
        "text_outlook_reply_de.txt",
        &["Server läuft wieder"],
        &["Murmeltier", "Ursprüngliche Nachricht", "Gesendet"],
    );
}

#[test]
fn text_outlook_header_block_french() {
    check(
        "text_outlook_reply_fr.txt",
        &["le serveur redémarre"],
        &["blaireau", "Envoyé"],
    );
}

#[test]
fn text_outlook_header_block_spanish() {
    check(
        "text_outlook_reply_es.txt",
        &["ya funciona"],
        &["armadillo", "Enviado"],
    );
}

#[test]
fn text_without_quotes_is_untouched() {
    for text in [
        "",
        "Hello\n",
        "a > b\nmore\n",
        "x\n\n\n",
        "From: the whole team\nThanks!",
    ] {
        assert_eq!(strip_text_quotes(text), text);
    }
}

// ---- Snapshots

/// Compares the stripped fixture with `<stem>.expected.<ext>`; `HELPR_BLESS=1` rewrites it.
fn snapshot(name: &str) {
    let (_, out) = strip(name);
    let (stem, ext) = name.rsplit_once('.').unwrap();
    let expected_path = fixture_path(&format!("{stem}.expected.{ext}"));
    if std::env::var_os("HELPR_BLESS").is_some() {
        std::fs::write(&expected_path, &out).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path)
        .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
    assert_eq!(out, expected, "{name} differs from its snapshot");
}

#[test]
fn snapshot_gmail_reply() {
    snapshot("gmail_reply.html");
}

#[test]
fn snapshot_gmail_inline_reply() {
    snapshot("gmail_inline_reply.html");
}

#[test]
fn snapshot_outlook_web_reply() {
    snapshot("outlook_web_reply.html");
}

#[test]
fn snapshot_outlook_desktop_reply() {
    snapshot("outlook_desktop_reply_en.html");
}

#[test]
fn snapshot_apple_reply() {
    snapshot("apple_reply.html");
}

#[test]
fn snapshot_thunderbird_reply() {
    snapshot("thunderbird_reply.html");
}

#[test]
fn snapshot_text_reply() {
    snapshot("text_reply_de.txt");
}
