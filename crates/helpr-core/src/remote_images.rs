//! Remote images, on request only: "load images" for one message, and "always for this
//! sender".
//!
//! The window never fetches: its frame allows `data:` images alone. When the user asks, core
//! fetches each blocked URL the sanitizer recorded (http or https only; no cookies, no referrer,
//! at most three redirects, 10 s, 5 MiB, and only what answers with an `image/*` type) and hands
//! back `data:` URLs by placeholder index; a URL that fails is `None` and its image stays
//! hidden. Nothing fetched is stored. "Always for this sender" keeps a keyed fingerprint of the
//! sender's address in the vault, and the message views say so (`images_allowed`), so the
//! window asks for that sender's images itself.

use std::time::Duration;

use base64::Engine as _;

use crate::{CoreError, Helpr, MessageView};

/// The largest image fetched.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
/// How many images of one message are fetched at once.
const CONCURRENCY: usize = 6;
const TIMEOUT: Duration = Duration::from_secs(10);

/// One image fetched as a `data:` URL; `None` for anything that is not a small enough image.
async fn fetch(client: &reqwest::Client, url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    let mut response = client.get(parsed).send().await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)?
        .to_str()
        .ok()?
        .split(';')
        .next()?
        .trim()
        .to_ascii_lowercase();
    let is_image = content_type.strip_prefix("image/").is_some_and(|sub| {
        !sub.is_empty()
            && sub
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if !is_image || response.content_length().unwrap_or(0) > MAX_IMAGE_BYTES as u64 {
        return None;
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.ok()? {
        if body.len() + chunk.len() > MAX_IMAGE_BYTES {
            return None;
        }
        body.extend_from_slice(&chunk);
    }
    Some(format!(
        "data:{content_type};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&body)
    ))
}

impl Helpr {
    /// Fetches message `id`'s blocked remote images; `data:` URLs by placeholder index, `None`
    /// where a fetch failed or was not an image.
    pub async fn load_remote_images(&self, id: i64) -> Result<Vec<Option<String>>, CoreError> {
        let urls = self.get_message(id).await?.remote_images;
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::limited(3))
            .referer(false)
            .user_agent("Mozilla/5.0")
            .build()
            .map_err(|e| CoreError::Internal(format!("HTTP client: {e}")))?;
        let mut out = vec![None; urls.len()];
        for (batch_start, batch) in urls.chunks(CONCURRENCY).enumerate() {
            let mut set = tokio::task::JoinSet::new();
            for (i, url) in batch.iter().enumerate() {
                let (client, url) = (client.clone(), url.clone());
                let index = batch_start * CONCURRENCY + i;
                set.spawn(async move { (index, fetch(&client, &url).await) });
            }
            while let Some(done) = set.join_next().await {
                if let Ok((index, image)) = done {
                    out[index] = image;
                }
            }
        }
        Ok(out)
    }

    /// Remembers to load the remote images of message `id`'s sender without asking; returns
    /// the sender's address.
    pub async fn allow_images_from_sender(&self, id: i64) -> Result<String, CoreError> {
        let view: MessageView = self.get_message(id).await?;
        let address = view.sender_address.ok_or_else(|| {
            CoreError::InvalidInput("this message names no sender to trust".into())
        })?;
        let stored = address.clone();
        self.with_vault(move |h| {
            h.vault.allow_images_from(h.tenant, &stored)?;
            h.audit("images.allow_sender", Some(("message", id)), String::new())
        })
        .await?;
        Ok(address)
    }
}
