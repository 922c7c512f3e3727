//! Secure email from the sender's side (`docs/secure-email.md`): a protected thread made,
//! bound to the conversation its notification started, its status, its entries, answers,
//! revocation and unlocking; and the link a reader opens, with the link's half of the key in
//! its fragment (never sent to the server by a browser, nor by this client).

use helpr_policy::InboxId;
use helpr_proto::secure::{
    BindThread, EntryStored, NewEntry, NewSecure, Revoke, SealedEntry, SecureList, SecureView,
    Unlock,
};
use reqwest::Method;

use crate::client::{TeamClient, TeamError};

impl TeamClient {
    fn secure_path(inbox: InboxId, rest: &str) -> String {
        format!("/api/v1/inboxes/{}/secure{rest}", inbox.0)
    }

    /// The link a reader opens: the server's page for message `id`, `fragment` after `#`.
    pub fn secure_link(&self, id: &str, fragment: &str) -> String {
        let mut url = self.address.join(&format!("/s/{id}"));
        url.set_fragment(Some(fragment));
        url.to_string()
    }

    pub async fn create_secure(
        &self,
        inbox: InboxId,
        body: &NewSecure,
    ) -> Result<SecureView, TeamError> {
        self.send(Method::POST, &Self::secure_path(inbox, ""), body)
            .await
    }

    pub async fn bind_secure_thread(
        &self,
        inbox: InboxId,
        id: &str,
        thread_id: &str,
    ) -> Result<SecureView, TeamError> {
        let body = BindThread {
            thread_id: thread_id.to_owned(),
        };
        let path = Self::secure_path(inbox, &format!("/{id}/thread"));
        self.send(Method::PUT, &path, &body).await
    }

    /// The inbox's secure messages the caller may see, of one conversation or all.
    pub async fn secure_messages(
        &self,
        inbox: InboxId,
        thread: Option<&str>,
    ) -> Result<SecureList, TeamError> {
        let query = thread.map(|t| format!("?thread={t}")).unwrap_or_default();
        self.get(&Self::secure_path(inbox, &query)).await
    }

    pub async fn secure_entry(
        &self,
        inbox: InboxId,
        id: &str,
        n: u32,
    ) -> Result<SealedEntry, TeamError> {
        self.get(&Self::secure_path(inbox, &format!("/{id}/entries/{n}")))
            .await
    }

    pub async fn answer_secure(
        &self,
        inbox: InboxId,
        id: &str,
        entry: &NewEntry,
    ) -> Result<EntryStored, TeamError> {
        let path = Self::secure_path(inbox, &format!("/{id}/entries"));
        self.send(Method::POST, &path, entry).await
    }

    /// Revokes one recipient, or (`None`) the message for all.
    pub async fn revoke_secure(
        &self,
        inbox: InboxId,
        id: &str,
        recipient: Option<u32>,
    ) -> Result<SecureView, TeamError> {
        let path = Self::secure_path(inbox, &format!("/{id}/revoke"));
        self.send(Method::POST, &path, &Revoke { recipient }).await
    }

    pub async fn unlock_secure(
        &self,
        inbox: InboxId,
        id: &str,
        recipient: u32,
    ) -> Result<SecureView, TeamError> {
        let path = Self::secure_path(inbox, &format!("/{id}/unlock"));
        self.send(Method::POST, &path, &Unlock { recipient }).await
    }
}
