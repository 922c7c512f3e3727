//! The key split, shown: a sealed message opens with both halves and with nothing less. With
//! the server's data alone (the ciphertext and K_server) or with the link alone (K_link and the
//! ciphertext), every guess at the missing half fails; a flipped byte, a part moved to another
//! slot or another message, and a wrong message id fail too. Each failure is the same error.

use helpr_secure::{Attachment, LinkKey, MessageKey, SealedPackage, SecureError, ServerKey};

const MESSAGE: &str = "m-7f3a9c";

fn sealed() -> (LinkKey, ServerKey, SealedPackage, Vec<u8>) {
    let link = LinkKey::generate();
    let server = ServerKey::generate();
    let key = MessageKey::derive(&link, &server);
    let bytes: Vec<u8> = (0..70_000u32).map(|i| (i * 31 % 251) as u8).collect();
    let package = SealedPackage::seal(
        &key,
        MESSAGE,
        "Your contract canary-5d1",
        "The figures you asked for: canary-body-77.",
        &[
            Attachment {
                name: "contract-canary-name.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: bytes.clone(),
            },
            Attachment {
                name: "notes.txt".into(),
                content_type: "text/plain".into(),
                bytes: b"second".to_vec(),
            },
        ],
    );
    (link, server, package, bytes)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn both_halves_open_the_message_byte_exact() {
    let (link, server, package, bytes) = sealed();
    let key = MessageKey::derive(&link, &server);
    let manifest = package.open_manifest(&key, MESSAGE).unwrap();
    assert_eq!(manifest.subject, "Your contract canary-5d1");
    assert_eq!(manifest.body, "The figures you asked for: canary-body-77.");
    assert_eq!(manifest.attachments[0].name, "contract-canary-name.pdf");
    assert_eq!(manifest.attachments[0].size, bytes.len() as u64);
    assert_eq!(package.open_attachment(&key, MESSAGE, 0).unwrap(), bytes);
    assert_eq!(
        package.open_attachment(&key, MESSAGE, 1).unwrap(),
        b"second"
    );
    // Nothing readable is outside the parts: not the body, the subject or an attachment's name.
    for part in std::iter::once(&package.manifest).chain(&package.attachments) {
        for canary in [
            "canary-5d1",
            "canary-body-77",
            "contract-canary-name",
            "second",
        ] {
            assert!(!contains(part, canary.as_bytes()), "{canary} in the clear");
        }
    }
}

#[test]
fn the_server_s_data_alone_or_the_link_alone_opens_nothing() {
    let (link, server, package, _) = sealed();
    // The server holds K_server and the ciphertext; whatever it puts in place of K_link fails.
    for guess in [
        LinkKey::from_bytes([0; 32]),
        LinkKey::from_bytes(*server.as_bytes()),
        LinkKey::generate(),
    ] {
        let key = MessageKey::derive(&guess, &server);
        assert_eq!(
            package.open_manifest(&key, MESSAGE),
            Err(SecureError::Unopenable)
        );
        assert_eq!(
            package.open_attachment(&key, MESSAGE, 0),
            Err(SecureError::Unopenable)
        );
    }
    // The link holds K_link; without the server's half, nothing opens either.
    for guess in [
        ServerKey::from_bytes([0; 32]),
        ServerKey::from_bytes(*link.as_bytes()),
        ServerKey::generate(),
    ] {
        let key = MessageKey::derive(&link, &guess);
        assert_eq!(
            package.open_manifest(&key, MESSAGE),
            Err(SecureError::Unopenable)
        );
    }
    // Nor does either half used directly as the message key.
    for raw in [*link.as_bytes(), *server.as_bytes()] {
        let key = MessageKey::derive(&LinkKey::from_bytes(raw), &ServerKey::from_bytes(raw));
        assert_eq!(
            package.open_manifest(&key, MESSAGE),
            Err(SecureError::Unopenable)
        );
    }
}

#[test]
fn tampering_moving_parts_and_another_message_id_are_refused() {
    let (link, server, package, _) = sealed();
    let key = MessageKey::derive(&link, &server);
    // Any flipped byte: nonce, ciphertext or tag.
    for at in [
        0,
        11,
        12,
        package.manifest.len() / 2,
        package.manifest.len() - 1,
    ] {
        let mut tampered = package.clone();
        tampered.manifest[at] ^= 0x01;
        assert_eq!(
            tampered.open_manifest(&key, MESSAGE),
            Err(SecureError::Unopenable),
            "byte {at}"
        );
    }
    // Cut short.
    let mut cut = package.clone();
    cut.attachments[0].truncate(20);
    assert_eq!(
        cut.open_attachment(&key, MESSAGE, 0),
        Err(SecureError::Unopenable)
    );
    // Attachments swapped between slots, or an attachment served as the manifest.
    let mut swapped = package.clone();
    swapped.attachments.swap(0, 1);
    assert_eq!(
        swapped.open_attachment(&key, MESSAGE, 0),
        Err(SecureError::Unopenable)
    );
    let mut moved = package.clone();
    moved.manifest = package.attachments[1].clone();
    assert_eq!(
        moved.open_manifest(&key, MESSAGE),
        Err(SecureError::Unopenable)
    );
    // The right key under another message's id.
    assert_eq!(
        package.open_manifest(&key, "m-other"),
        Err(SecureError::Unopenable)
    );
    // A slot that does not exist.
    assert_eq!(
        package.open_attachment(&key, MESSAGE, 2),
        Err(SecureError::Unopenable)
    );
}
