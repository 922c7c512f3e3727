//! A stand-in for a person's browser at the team server's sign-in page, for tests (feature
//! `test-browser`): it reads the form's hidden fields from the page itself, posts them with the
//! credentials, and follows the redirect to the desktop's loopback (or, refused, comes back
//! without a code, as a person closing the page would leave the desktop waiting).

/// A browser that fills in the sign-in page: it reads the form's hidden fields from the page
/// itself, posts them with the credentials, and follows the redirect to the loopback.
pub struct Browser {
    pub http: reqwest::Client,
    pub email: String,
    pub password: String,
}

/// The `name`/`value` pairs of the page's hidden inputs.
pub fn hidden_fields(html: &str) -> Vec<(String, String)> {
    html.split("<input")
        .skip(1)
        .filter(|tag| tag.contains("type=\"hidden\""))
        .filter_map(|tag| {
            let attr = |name: &str| {
                let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
                let end = tag[start..].find('"')? + start;
                Some(unescape(&tag[start..end]))
            };
            Some((attr("name")?, attr("value")?))
        })
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

impl Browser {
    /// An `open` for [`crate::sign_in::sign_in`]: visits the page on a task of its own.
    pub fn opener(self) -> impl FnOnce(&str) -> std::io::Result<()> {
        move |url| {
            let url = url.to_owned();
            tokio::spawn(async move { self.visit(&url).await });
            Ok(())
        }
    }

    /// Returns the page's status after posting, and where it redirected.
    pub async fn visit(&self, url: &str) -> (u16, Option<String>) {
        let page = self
            .http
            .get(url)
            .send()
            .await
            .expect("the test browser's request");
        let base = page.url().clone();
        let html = page.text().await.expect("the test browser's request");
        let mut form = hidden_fields(&html);
        form.push(("email".into(), self.email.clone()));
        form.push(("password".into(), self.password.clone()));
        let posted = self
            .http
            .post(base.join("/sign-in").expect("the test browser's request"))
            .form(&form)
            .send()
            .await
            .expect("the test browser's request");
        let status = posted.status().as_u16();
        let location = posted
            .headers()
            .get("location")
            .map(|l| l.to_str().expect("the test browser's request").to_owned());
        match &location {
            Some(target) => {
                // The loopback listener answers the redirect.
                let _ = reqwest::get(target).await;
            }
            None => {
                // A refused sign-in: tell the waiting desktop by coming back without a code.
                let state = form
                    .iter()
                    .find(|(k, _)| k == "state")
                    .map(|(_, v)| v.clone());
                let redirect = form
                    .iter()
                    .find(|(k, _)| k == "redirect_uri")
                    .map(|(_, v)| v.clone());
                if let (Some(state), Some(redirect)) = (state, redirect) {
                    let mut back =
                        reqwest::Url::parse(&redirect).expect("the test browser's request");
                    back.query_pairs_mut().append_pair("state", &state);
                    let _ = reqwest::get(back).await;
                }
            }
        }
        (status, location)
    }
}
