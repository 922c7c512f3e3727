//! The Tauri commands the UI may invoke. Each is a one-line delegation into `helpr-core`;
//! errors cross to the UI as `helpr_core::ErrorPayload` (`{code, message}`). Long work streams
//! its progress over a Tauri channel.
//!
//! Every command here must also be listed in `build.rs` (app manifest) and granted in
//! `capabilities/default.json`, or the window is not allowed to call it.

use helpr_core::{
    AboutView, AuditEntry, AuditQuery, AuditVerdict, ComposeMode, ConversationPage,
    ConversationQuery, Deleted, DoctorView, Draft, DraftSummary, ErrorPayload, KeyVersionInfo,
    Marked, MessageView, NotificationSettings, Purged, Restored, RetireOutcome, RetireProgress,
    SearchOptions, SearchPage, SentView, SidebarInbox, SyncOutcome, Target, ThreadView, Trash,
};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::files::Downloads;
use crate::gmail::{ConnectEvent, Gmail, GmailSetup, OAuthClientInput, SyncEvent};
use crate::stop::StopFlag;
use crate::team::{SignInEvent, TeamShell};
use crate::vault::Vault;
use helpr_core::team::apply::ApplyReport;
use helpr_core::team::conversations::AssignedConversation;
use helpr_core::team::listen::TeamUpdate;
use helpr_core::team::secure::{SecureStatus, SecureSynced};
use helpr_core::team::TeamStatus;
use helpr_policy::{InboxId, TeamId, UserId};
use helpr_proto::requests::{
    ChangeInbox, ChangeTeam, ChangeUser, CreateInbox, CreateTeam, CreateUser, SetMember,
};
use helpr_proto::secure::SecureView;
use helpr_proto::views::{ConversationRef, InboxView, TeamView, UserView};

type Reply<T> = Result<T, ErrorPayload>;

/// Every inbox with its counts, labels and health.
#[tauri::command]
pub async fn sidebar(vault: State<'_, Vault>) -> Reply<Vec<SidebarInbox>> {
    Ok(vault.helpr().await?.sidebar().await?)
}

/// One page of conversations, newest first (never the whole vault).
#[tauri::command]
pub async fn conversations(
    vault: State<'_, Vault>,
    query: ConversationQuery,
) -> Reply<ConversationPage> {
    Ok(vault.helpr().await?.conversations(query).await?)
}

/// A conversation's messages, oldest first.
#[tauri::command]
pub async fn thread(vault: State<'_, Vault>, thread_id: i64) -> Reply<ThreadView> {
    Ok(vault.helpr().await?.thread(thread_id).await?)
}

/// One message with its plain-text body and attachment metadata.
#[tauri::command]
pub async fn get_message(vault: State<'_, Vault>, id: i64) -> Reply<MessageView> {
    Ok(vault.helpr().await?.get_message(id).await?)
}

/// Opens the search index ahead of the first search (the window asks once its list is shown).
#[tauri::command]
pub async fn prepare_search(vault: State<'_, Vault>) -> Reply<()> {
    Ok(vault.helpr().await?.prepare_search().await?)
}

/// One page of the messages matching a Gmail-like `query`, with the total number of matches.
/// A malformed query fails with `invalid_input` and a message naming the column.
#[tauri::command]
pub async fn search_messages(
    vault: State<'_, Vault>,
    query: String,
    options: SearchOptions,
) -> Reply<SearchPage> {
    Ok(vault.helpr().await?.search(query, options).await?)
}

/// Moves conversations to the trash (and their Gmail messages to Gmail's Trash).
#[tauri::command]
pub async fn delete_conversations(vault: State<'_, Vault>, thread_ids: Vec<i64>) -> Reply<Deleted> {
    Ok(vault
        .helpr()
        .await?
        .delete_many(thread_ids.into_iter().map(Target::Thread).collect())
        .await?)
}

/// Brings conversations back out of the trash (undo).
#[tauri::command]
pub async fn restore_conversations(
    vault: State<'_, Vault>,
    thread_ids: Vec<i64>,
) -> Reply<Restored> {
    Ok(vault
        .helpr()
        .await?
        .restore_many(thread_ids.into_iter().map(Target::Thread).collect())
        .await?)
}

/// Brings messages of the trash back.
#[tauri::command]
pub async fn restore_messages(vault: State<'_, Vault>, ids: Vec<i64>) -> Reply<Restored> {
    Ok(vault
        .helpr()
        .await?
        .restore_many(ids.into_iter().map(Target::Message).collect())
        .await?)
}

/// The trash: deleted messages with the days left, and deleted inboxes.
#[tauri::command]
pub async fn trash(vault: State<'_, Vault>) -> Reply<Trash> {
    Ok(vault.helpr().await?.trash().await?)
}

/// Purges messages of the trash now, before their grace period ends.
#[tauri::command]
pub async fn purge_messages(vault: State<'_, Vault>, ids: Vec<i64>) -> Reply<Purged> {
    Ok(vault
        .helpr()
        .await?
        .purge_now(ids.into_iter().map(Target::Message).collect())
        .await?)
}

/// Purges everything whose grace period has ended.
#[tauri::command]
pub async fn purge_expired(vault: State<'_, Vault>) -> Reply<Purged> {
    Ok(vault.helpr().await?.purge_expired().await?)
}

/// The grace period in days.
#[tauri::command]
pub async fn grace_days(vault: State<'_, Vault>) -> Reply<u32> {
    Ok(vault.helpr().await?.grace_days().await?)
}

/// Sets the grace period (1–365 days); returns the old one.
#[tauri::command]
pub async fn set_grace_days(vault: State<'_, Vault>, days: u32) -> Reply<u32> {
    Ok(vault.helpr().await?.set_grace_days(days).await?)
}

/// The audit trail, filtered; identifiers of purged objects stay redacted.
#[tauri::command]
pub async fn audit_log(vault: State<'_, Vault>, query: AuditQuery) -> Reply<Vec<AuditEntry>> {
    Ok(vault.helpr().await?.audit_log(query.into()).await?)
}

/// Recomputes the audit trail's chain and names any entry edited, removed, inserted or moved.
#[tauri::command]
pub async fn audit_verify(vault: State<'_, Vault>) -> Reply<AuditVerdict> {
    Ok(vault.helpr().await?.audit_verify().await?)
}

/// The data-key versions with their record counts.
#[tauri::command]
pub async fn list_keys(vault: State<'_, Vault>) -> Reply<Vec<KeyVersionInfo>> {
    Ok(vault.helpr().await?.list_keys().await?)
}

/// Makes a new data-key version active; returns it.
#[tauri::command]
pub async fn rotate_key(vault: State<'_, Vault>) -> Reply<u32> {
    Ok(vault.helpr().await?.rotate_key().await?)
}

/// Re-seals `version`'s records under the active key, then deletes it; progress after every
/// batch on `progress`; [`stop_retire`] stops it between batches (running again resumes).
#[tauri::command]
pub async fn retire_key(
    vault: State<'_, Vault>,
    stop: State<'_, StopFlag>,
    version: u32,
    progress: Channel<RetireProgress>,
) -> Reply<RetireOutcome> {
    Ok(vault
        .helpr()
        .await?
        .retire_key(version, stop.watch(move |p| progress.send(p).is_ok()))
        .await?)
}

/// Asks a running key retirement to stop after its current batch.
#[tauri::command]
pub fn stop_retire(stop: State<'_, StopFlag>) {
    stop.request();
}

/// The vault's and the index's health checks.
#[tauri::command]
pub async fn doctor(vault: State<'_, Vault>) -> Reply<DoctorView> {
    Ok(vault.helpr().await?.doctor().await?)
}

/// Version, data directory and vault id.
#[tauri::command]
pub async fn about(vault: State<'_, Vault>) -> Reply<AboutView> {
    Ok(vault.helpr().await?.about())
}

/// Whether a configuration file names the Gmail OAuth client (else Settings asks for one).
#[tauri::command]
pub fn gmail_setup(gmail: State<'_, Gmail>) -> GmailSetup {
    gmail.setup()
}

/// Signs a Gmail account in (consent in the system browser) and stores it; its address.
#[tauri::command]
pub async fn connect_gmail(
    vault: State<'_, Vault>,
    gmail: State<'_, Gmail>,
    client: Option<OAuthClientInput>,
    events: Channel<ConnectEvent>,
) -> Reply<String> {
    gmail.connect(vault.helpr().await?, client, events).await
}

/// Syncs the connected Gmail inboxes (or one), streaming each account's progress.
#[tauri::command]
pub async fn sync_inboxes(
    vault: State<'_, Vault>,
    gmail: State<'_, Gmail>,
    address: Option<String>,
    progress: Channel<SyncEvent>,
) -> Reply<Vec<SyncOutcome>> {
    gmail.sync(vault.helpr().await?, address, progress).await
}

/// Makes the next sync of an inbox a full one.
#[tauri::command]
pub async fn resync_inbox(vault: State<'_, Vault>, address: String) -> Reply<()> {
    Ok(vault.helpr().await?.resync_gmail(&address).await?)
}

/// Revokes an inbox's grant at Google and stops its sync; the mail stays.
#[tauri::command]
pub async fn disconnect_inbox(vault: State<'_, Vault>, address: String) -> Reply<()> {
    Ok(vault.helpr().await?.disconnect_gmail(&address).await?)
}

/// A new draft, or a reply, reply-all or forward of message `of` (a saved reply resumes).
#[tauri::command]
pub async fn compose(vault: State<'_, Vault>, mode: ComposeMode, of: Option<i64>) -> Reply<Draft> {
    Ok(vault.helpr().await?.compose(mode, of).await?)
}

/// Seals a draft into the vault; the draft as saved (with its id).
#[tauri::command]
pub async fn save_draft(vault: State<'_, Vault>, draft: Draft) -> Reply<Draft> {
    Ok(vault.helpr().await?.save_draft(draft).await?)
}

/// Every draft, most recently saved first.
#[tauri::command]
pub async fn drafts(vault: State<'_, Vault>) -> Reply<Vec<DraftSummary>> {
    Ok(vault.helpr().await?.drafts().await?)
}

/// One draft, whole.
#[tauri::command]
pub async fn draft(vault: State<'_, Vault>, id: i64) -> Reply<Draft> {
    Ok(vault.helpr().await?.draft(id).await?)
}

/// Deletes a draft.
#[tauri::command]
pub async fn discard_draft(vault: State<'_, Vault>, id: i64) -> Reply<()> {
    Ok(vault.helpr().await?.discard_draft(id).await?)
}

/// Sends a draft through SMTP and drops its saved copy; the sent message's ids.
#[tauri::command]
pub async fn send_draft(vault: State<'_, Vault>, draft: Draft) -> Reply<SentView> {
    Ok(vault.helpr().await?.send_draft(draft).await?)
}

/// Saves an attachment as a new file in the downloads folder; the file's path.
#[tauri::command]
pub async fn save_attachment(
    vault: State<'_, Vault>,
    downloads: State<'_, Downloads>,
    id: i64,
) -> Reply<String> {
    downloads.save(vault.helpr().await?, id).await
}

/// Asks where to save an attachment (the OS's save dialog) and saves it; `null` if cancelled.
#[tauri::command]
pub async fn save_attachment_as(
    app: AppHandle,
    vault: State<'_, Vault>,
    downloads: State<'_, Downloads>,
    id: i64,
) -> Reply<Option<String>> {
    downloads.save_as(app, vault.helpr().await?, id).await
}

/// Fetches a message's blocked remote images (core fetches; the window gets `data:` URLs by
/// placeholder index, `null` where one failed).
#[tauri::command]
pub async fn load_remote_images(vault: State<'_, Vault>, id: i64) -> Reply<Vec<Option<String>>> {
    Ok(vault.helpr().await?.load_remote_images(id).await?)
}

/// Loads this message's sender's remote images without asking from now on; the address.
#[tauri::command]
pub async fn allow_images_from_sender(vault: State<'_, Vault>, id: i64) -> Reply<String> {
    Ok(vault.helpr().await?.allow_images_from_sender(id).await?)
}

/// Marks conversations read (`read` true) or unread, here and at Gmail.
#[tauri::command]
pub async fn mark_conversations(
    vault: State<'_, Vault>,
    thread_ids: Vec<i64>,
    read: bool,
) -> Reply<Marked> {
    Ok(vault
        .helpr()
        .await?
        .mark_read(thread_ids.into_iter().map(Target::Thread).collect(), read)
        .await?)
}

/// Applies label `name` to conversations (`apply` true) or removes it, here and at Gmail.
#[tauri::command]
pub async fn label_conversations(
    vault: State<'_, Vault>,
    thread_ids: Vec<i64>,
    name: String,
    apply: bool,
) -> Reply<Marked> {
    Ok(vault
        .helpr()
        .await?
        .label(
            thread_ids.into_iter().map(Target::Thread).collect(),
            &name,
            apply,
        )
        .await?)
}

/// Whether new mail raises a notification, per inbox, and whether it names sender and subject.
#[tauri::command]
pub async fn notification_settings(vault: State<'_, Vault>) -> Reply<NotificationSettings> {
    Ok(vault.helpr().await?.notification_settings().await?)
}

/// Watches an inbox for new mail (`on`), or stops.
#[tauri::command]
pub async fn watch_inbox(vault: State<'_, Vault>, inbox_id: i64, on: bool) -> Reply<()> {
    Ok(vault.helpr().await?.watch_inbox(inbox_id, on).await?)
}

/// Lets notifications name the sender and subject (never while the screen is locked), or not.
#[tauri::command]
pub async fn show_notification_content(vault: State<'_, Vault>, on: bool) -> Reply<()> {
    Ok(vault.helpr().await?.show_notification_content(on).await?)
}

/// The team client of the signed-in vault.
async fn team_client(vault: &Vault) -> Reply<helpr_team::TeamClient> {
    Ok(vault.helpr().await?.team_client().await?)
}

/// Maps a team server refusal to the `{code, message}` the UI shows.
fn team_err(e: helpr_team::TeamError) -> ErrorPayload {
    helpr_core::CoreError::from(e).into()
}

#[tauri::command]
pub async fn team_status(vault: State<'_, Vault>) -> Reply<Option<TeamStatus>> {
    Ok(vault.helpr().await?.team_status().await?)
}

#[tauri::command]
pub async fn team_probe(server: String) -> Reply<Option<String>> {
    crate::team::probe(&server).await
}

#[tauri::command]
pub async fn team_sign_in(
    vault: State<'_, Vault>,
    team: State<'_, TeamShell>,
    server: String,
    fingerprint: Option<String>,
    events: Channel<SignInEvent>,
) -> Reply<TeamStatus> {
    team.sign_in(vault.helpr().await?, server, fingerprint, events)
        .await
}

#[tauri::command]
pub async fn team_sign_out(
    vault: State<'_, Vault>,
    team: State<'_, TeamShell>,
) -> Reply<ApplyReport> {
    team.sign_out(vault.helpr().await?).await
}

#[tauri::command]
pub fn team_watch(team: State<'_, TeamShell>, updates: Channel<TeamUpdate>) {
    team.watch(updates)
}

/// The shared conversation a local thread is (`None` outside shared inboxes).
#[tauri::command]
pub async fn team_conversation(
    vault: State<'_, Vault>,
    thread_id: i64,
) -> Reply<Option<ConversationRef>> {
    Ok(vault.helpr().await?.team_conversation(thread_id).await?)
}

/// The assigned conversations held here, by local thread.
#[tauri::command]
pub async fn team_assignments(vault: State<'_, Vault>) -> Reply<Vec<AssignedConversation>> {
    Ok(vault.helpr().await?.team_assignments().await?)
}

#[tauri::command]
pub fn team_viewing(team: State<'_, TeamShell>, conversation: Option<ConversationRef>) {
    team.viewing(conversation)
}

#[tauri::command]
pub fn team_composing(team: State<'_, TeamShell>, conversation: ConversationRef, active: bool) {
    team.composing(conversation, active)
}

#[tauri::command]
pub async fn team_users(vault: State<'_, Vault>) -> Reply<Vec<UserView>> {
    team_client(&vault).await?.users().await.map_err(team_err)
}

#[tauri::command]
pub async fn team_create_user(vault: State<'_, Vault>, body: CreateUser) -> Reply<UserView> {
    team_client(&vault)
        .await?
        .create_user(&body)
        .await
        .map_err(team_err)
}

#[tauri::command]
pub async fn team_change_user(
    vault: State<'_, Vault>,
    user: i64,
    body: ChangeUser,
) -> Reply<UserView> {
    team_client(&vault)
        .await?
        .change_user(UserId(user), &body)
        .await
        .map_err(team_err)
}

#[tauri::command]
pub async fn team_remove_user(vault: State<'_, Vault>, user: i64) -> Reply<()> {
    team_client(&vault)
        .await?
        .remove_user(UserId(user))
        .await
        .map_err(team_err)
}

#[tauri::command]
pub async fn team_teams(vault: State<'_, Vault>) -> Reply<Vec<TeamView>> {
    team_client(&vault).await?.teams().await.map_err(team_err)
}

#[tauri::command]
pub async fn team_create_team(vault: State<'_, Vault>, body: CreateTeam) -> Reply<TeamView> {
    team_client(&vault)
        .await?
        .create_team(&body)
        .await
        .map_err(team_err)
}

#[tauri::command]
pub async fn team_change_team(
    vault: State<'_, Vault>,
    team: i64,
    body: ChangeTeam,
) -> Reply<TeamView> {
    team_client(&vault)
        .await?
        .change_team(TeamId(team), &body)
        .await
        .map_err(team_err)
}

#[tauri::command]
pub async fn team_delete_team(vault: State<'_, Vault>, team: i64) -> Reply<()> {
    team_client(&vault)
        .await?
        .delete_team(TeamId(team))
        .await
        .map_err(team_err)
}

#[tauri::command]
pub async fn team_inboxes(vault: State<'_, Vault>) -> Reply<Vec<InboxView>> {
    team_client(&vault).await?.inboxes().await.map_err(team_err)
}

#[tauri::command]
pub async fn team_create_inbox(vault: State<'_, Vault>, body: CreateInbox) -> Reply<InboxView> {
    team_client(&vault)
        .await?
        .create_inbox(&body)
        .await
        .map_err(team_err)
}

#[tauri::command]
pub async fn team_change_inbox(
    vault: State<'_, Vault>,
    inbox: i64,
    body: ChangeInbox,
) -> Reply<InboxView> {
    team_client(&vault)
        .await?
        .change_inbox(InboxId(inbox), &body)
        .await
        .map_err(team_err)
}

#[tauri::command]
pub async fn team_delete_inbox(vault: State<'_, Vault>, inbox: i64) -> Reply<()> {
    team_client(&vault)
        .await?
        .delete_inbox(InboxId(inbox))
        .await
        .map_err(team_err)
}

#[tauri::command]
pub async fn team_set_member(
    vault: State<'_, Vault>,
    inbox: i64,
    user: i64,
    body: SetMember,
) -> Reply<InboxView> {
    let client = team_client(&vault).await?;
    client
        .set_member(InboxId(inbox), UserId(user), &body)
        .await
        .map_err(team_err)
}

#[tauri::command]
pub async fn team_remove_member(
    vault: State<'_, Vault>,
    inbox: i64,
    user: i64,
) -> Reply<InboxView> {
    team_client(&vault)
        .await?
        .remove_member(InboxId(inbox), UserId(user))
        .await
        .map_err(team_err)
}

/// The protected threads of a conversation, as last synced (works offline).
#[tauri::command]
pub async fn secure_status(vault: State<'_, Vault>, thread_id: i64) -> Reply<Vec<SecureStatus>> {
    Ok(vault.helpr().await?.secure_status(Some(thread_id)).await?)
}

/// Fetches every protected thread's status and stores new replies as messages.
#[tauri::command]
pub async fn secure_sync(vault: State<'_, Vault>) -> Reply<SecureSynced> {
    Ok(vault.helpr().await?.secure_sync().await?)
}

/// Revokes one reader, or (no `recipient`) everyone: the link is useless from then on.
#[tauri::command]
pub async fn secure_revoke(
    vault: State<'_, Vault>,
    id: String,
    recipient: Option<u32>,
) -> Reply<SecureView> {
    Ok(vault.helpr().await?.secure_revoke(&id, recipient).await?)
}

/// Lets a reader locked out by wrong codes ask for a new one.
#[tauri::command]
pub async fn secure_unlock(
    vault: State<'_, Vault>,
    id: String,
    recipient: u32,
) -> Reply<SecureView> {
    Ok(vault.helpr().await?.secure_unlock(&id, recipient).await?)
}
