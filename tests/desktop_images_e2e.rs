//! Desktop end-to-end tests of how mail renders, in the real app under WebDriver (see
//! `desktop_e2e.rs` for running them by hand): an HTML newsletter whose pixel, images, styles,
//! script and handlers all point at a local listener renders in its sandboxed frame with the
//! blocked-images bar and not one connection reaching the listener, until "Load once" has core
//! fetch the images into the frame as `data:` URLs; and an inline `cid:` image loads from the
//! vault through the `helpr-cid` scheme.

use std::path::Path;
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use fantoccini::Locator;
use helpr_tests::desktop::{tracked_eml, Tracker};
use helpr_tests::webdriver::*;

#[tokio::test(flavor = "multi_thread")]
async fn desktop_app_shows_html_mail_without_a_request_leaving_the_window() -> Result<()> {
    let setup = Setup::check()?;
    let work = tempfile::tempdir()?;
    let data_dir = work.path().join("vault");
    let tracker = Tracker::start()?;
    let token = format!("pixel-canary-{}", uuid::Uuid::new_v4());
    let subject = format!("Newsletter {}", uuid::Uuid::new_v4());
    let eml = work.path().join("tracked.eml");
    std::fs::write(&eml, tracked_eml(tracker.port, &token, &subject))?;
    let helpr = helpr_core::Helpr::init(&data_dir, "default").await?;
    helpr.import(vec![eml], |_| {}).await?;
    let stored = helpr
        .list_messages()
        .await?
        .into_iter()
        .find(|m| m.subject == subject)
        .context("the newsletter was not imported")?;
    let blocked = helpr.get_message(stored.id).await?.remote_images.len();
    ensure!(
        blocked >= 2,
        "the sanitizer blocked only {blocked} remote images"
    );
    let keychain = helpr_tests::vault_keychain_entry(&helpr.vault_id())?;
    drop(helpr);

    let outcome = with_app(
        &setup,
        work.path(),
        &data_dir,
        async |client, screenshots| {
            open_conversation(client, &subject).await?;

            let bar = wait_for(
                client,
                "//*[@data-testid='remote-images-bar']",
                READER_DEADLINE,
            )
            .await
            .context("no blocked-images bar over a message with remote images")?;
            let said = bar.text().await?;
            ensure!(
                said.contains(&format!("{blocked} remote images blocked")),
                "the bar says {said:?}, expected {blocked} remote images blocked"
            );

            // The body rendered inside its frame (read from within it).
            let frame = client
                .find(Locator::Css("[data-testid=message-frame]"))
                .await
                .context("the HTML body is not in a frame")?;
            ensure!(
                frame.attr("sandbox").await?.as_deref() == Some(""),
                "the frame is not fully sandboxed"
            );
            frame
                .clone()
                .enter_frame()
                .await
                .context("entering the frame")?;
            let body = client.find(Locator::Css("body")).await?.text().await?;
            client.enter_parent_frame().await?;
            ensure!(
                body.contains(&token),
                "the frame does not show the body; it shows {body:?}"
            );
            save_screenshot(client, &screenshots.join("desktop-images.png")).await?;

            // Give anything that might reach out the time to do it, then count.
            tokio::time::sleep(Duration::from_secs(2)).await;
            ensure!(
                tracker.hits() == 0,
                "{} connection(s) reached the tracker's host from the window",
                tracker.hits()
            );

            // Load once: core fetches the images and the frame shows them as data: URLs.
            client
                .find(Locator::Css("[data-testid=load-images]"))
                .await
                .context("no Load once button on the images bar")?
                .click()
                .await?;
            wait_for(
                client,
                "//*[@data-testid='remote-images-bar'][@data-loaded='true']",
                READER_DEADLINE,
            )
            .await
            .context("the images did not load")?;
            let doc = frame.attr("srcdoc").await?.unwrap_or_default();
            ensure!(
                doc.contains("data:image/gif;base64,"),
                "the frame shows no loaded image"
            );
            ensure!(
                !doc.contains("127.0.0.1"),
                "the frame holds a remote URL it could fetch itself"
            );
            ensure!(tracker.hits() > 0, "core fetched nothing");
            save_screenshot(client, &screenshots.join("desktop-images-loaded.png")).await?;
            Ok(())
        },
    )
    .await;
    let _ = keychain.delete_credential();
    outcome
}

/// An HTML message whose logo is an inline part (`cid:`), a 32×32 PNG.
fn inline_image_eml(subject: &str, png: &[u8]) -> String {
    use base64::Engine as _;
    let data = base64::engine::general_purpose::STANDARD.encode(png);
    format!(
        "From: Brand <brand@example.com>\r\n\
         To: Agent <agent@example.com>\r\n\
         Subject: {subject}\r\n\
         Date: Mon, 04 Mar 2024 14:05:00 +0000\r\n\
         Message-ID: <{subject}@helpr.test>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/related; boundary=\"rel\"\r\n\
         \r\n\
         --rel\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         \r\n\
         <p>Our logo:</p><img id=\"logo\" src=\"cid:logo@brand.example\" alt=\"logo\">\r\n\
         --rel\r\n\
         Content-Type: image/png\r\n\
         Content-ID: <logo@brand.example>\r\n\
         Content-Disposition: inline; filename=\"logo.png\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         {data}\r\n\
         --rel--\r\n"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn desktop_app_shows_inline_images_from_the_vault() -> Result<()> {
    let setup = Setup::check()?;
    let work = tempfile::tempdir()?;
    let data_dir = work.path().join("vault");
    let png =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../src-tauri/icons/32x32.png"))?;
    let subject = format!("Inline logo {}", uuid::Uuid::new_v4());
    let eml = work.path().join("inline.eml");
    std::fs::write(&eml, inline_image_eml(&subject, &png))?;
    let helpr = helpr_core::Helpr::init(&data_dir, "default").await?;
    helpr.import(vec![eml], |_| {}).await?;
    let keychain = helpr_tests::vault_keychain_entry(&helpr.vault_id())?;
    drop(helpr);

    let outcome = with_app(
        &setup,
        work.path(),
        &data_dir,
        async |client, screenshots| {
            open_conversation(client, &subject).await?;
            let frame = client
                .find(Locator::Css("[data-testid=message-frame]"))
                .await
                .context("the HTML body is not in a frame")?;
            frame.enter_frame().await.context("entering the frame")?;
            // The sanitizer keeps no ids: the body has this one image.
            let logo = client
                .find(Locator::Css("img"))
                .await
                .context("no image in the frame")?;
            // The part came from the vault through the helpr-cid scheme: decoded, 32 px wide.
            let mut width = 0;
            for _ in 0..50 {
                width = client
                    .execute(
                        "return arguments[0].naturalWidth;",
                        vec![serde_json::to_value(&logo)?],
                    )
                    .await?
                    .as_u64()
                    .unwrap_or(0);
                if width > 0 {
                    break;
                }
                tokio::time::sleep(POLL).await;
            }
            let src = logo.attr("src").await?.unwrap_or_default();
            client.enter_parent_frame().await?;
            ensure!(
                width == 32,
                "the inline image did not load (naturalWidth {width}, src {src:?})"
            );
            ensure!(src.starts_with("helpr-cid:"), "{src}");
            save_screenshot(client, &screenshots.join("desktop-inline-image.png")).await
        },
    )
    .await;
    let _ = keychain.delete_credential();
    outcome
}
