// The one module that talks to the Tauri shell. Every command the UI uses is wrapped here with
// typed views that mirror the Rust transport types in helpr-core (snake_case, as serialized), and
// every failure is turned into an `ApiError` so components never inspect raw rejection values.
import { Channel, convertFileSrc, invoke } from "@tauri-apps/api/core";
import { tauriSecureApi, type SecureApi, type SecureChoice } from "./secure/api";
import { tauriTeamApi, type TeamApi } from "./team/api";

/** One row of the message list (`helpr_core::MessageSummary`). */
export interface MessageSummary {
  id: number;
  /** The conversation this message belongs to. */
  thread_id: number;
  /** Unix seconds. */
  date: number;
  from: string;
  subject: string;
  snippet: string;
  unread: boolean;
  has_attachments: boolean;
  /** helpr could not display this message and kept it as it came (see `MessageView.rejected`). */
  kept: boolean;
}

/** An attachment's metadata (`helpr_core::AttachmentInfo`); bytes are fetched on demand only. */
export interface AttachmentInfo {
  id: number;
  name: string;
  content_type: string;
  size: number;
}

/** One opened message (`helpr_core::MessageView`). */
export interface MessageView {
  id: number;
  /** Unix seconds. */
  date: number;
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  /** Sanitized HTML; blocked remote images appear as `helpr-remote:N` placeholders. */
  html: string | null;
  /** The blocked remote image URLs, by placeholder index. */
  remote_images: string[];
  labels: string[];
  unread: boolean;
  attachments: AttachmentInfo[];
  /** Why helpr could not display this message (kept with its original source); null otherwise. */
  rejected: string | null;
  /** The user loads this sender's remote images without asking. */
  images_allowed: boolean;
}

/** One row of the conversation list (`helpr_core::ConversationSummary`). */
export interface ConversationSummary {
  thread_id: number;
  inbox_id: number;
  /** Unix seconds: the newest message's date. */
  last_date: number;
  message_count: number;
  unread_count: number;
  has_attachments: boolean;
  /** The newest message's id, sender, subject and snippet. */
  latest_id: number;
  from: string;
  subject: string;
  snippet: string;
  labels: string[];
}

/** Which conversations, and which page (`helpr_core::ConversationQuery`); limit 1..=500. */
export interface ConversationQuery {
  inbox: number | null;
  label: number | null;
  limit: number;
  offset: number;
}

/** One page of conversations and how many there are in all (`helpr_core::ConversationPage`). */
export interface ConversationPage {
  total: number;
  conversations: ConversationSummary[];
}

/** A conversation's messages, oldest first (`helpr_core::ThreadView`). */
export interface ThreadView {
  thread_id: number;
  subject: string;
  messages: MessageView[];
}

/** A Gmail inbox's account and sync health (`helpr_core::InboxHealth`). */
export interface InboxHealth {
  inbox_id: number;
  address: string;
  account: "connected" | "reconnect_needed" | "disconnected";
  /** `idle`, `listing`, `full_sync`, `incremental`, `error`. */
  state: string;
  last_sync_at: number | null;
  /** `code: message` of the last failed run. */
  last_error: string | null;
  done: number;
  total: number;
  messages: number;
  rejected: number;
  outbox_pending: number;
  outbox_error: string | null;
}

/** A label under an inbox in the sidebar (`helpr_core::SidebarLabel`). */
export interface SidebarLabel {
  label_id: number;
  name: string;
  conversations: number;
  unread: number;
}

/** An inbox in the sidebar (`helpr_core::SidebarInbox`). */
export interface SidebarInbox {
  inbox_id: number;
  address: string;
  kind: "local" | "gmail";
  conversations: number;
  unread: number;
  health: InboxHealth | null;
  labels: SidebarLabel[];
}

/** What a delete did (`helpr_core::Deleted`). */
export interface Deleted {
  ids: number[];
  /** Unix seconds when the purge may take them. */
  purge_after: number;
  /** Trash calls still owed to Gmail (it could not be reached); the next sync sends them. */
  gmail_pending: number;
}

/** What a restore did (`helpr_core::Restored`). */
export interface Restored {
  restored: number[];
  gmail_pending: number;
}

/** A deleted message in the trash (`helpr_core::TrashView`). */
export interface TrashItem {
  message: MessageSummary;
  deleted_at: number;
  purge_after: number;
  /** Whole days left before the purge may take it. */
  days_left: number;
}

/** A deleted inbox in the trash (`helpr_vault::TrashedInbox`). */
export interface TrashedInbox {
  id: number;
  address: string;
  deleted_at: number;
  purge_after: number;
  messages: number;
}

export interface Trash {
  messages: TrashItem[];
  inboxes: TrashedInbox[];
}

/** One entry of the audit trail (`helpr_vault::AuditEntry`). */
export interface AuditEntry {
  seq: number;
  at: number;
  actor: string;
  action: string;
  object_kind: string | null;
  /** The keyed hash naming the object, hex. */
  object_ref: string | null;
  /** The object it resolves to; null once the object is purged (redacted). */
  object_id: number | null;
  detail: string;
}

export interface AuditQuery {
  since: number | null;
  action: string | null;
}

export interface AuditVerdict {
  entries: number;
  intact: boolean;
  problems: string[];
}

/** A data-key version (`helpr_vault::KeyVersionInfo`). */
export interface KeyVersion {
  version: number;
  active: boolean;
  records: number;
}

export interface RetireProgress {
  done: number;
  total: number;
}

export type RetireOutcome =
  | { status: "retired"; resealed: number }
  | { status: "interrupted"; resealed: number; remaining: number };

/** `helpr doctor`'s report (`helpr_core::DoctorView`), the parts the pane shows. */
export interface DoctorView {
  vault: {
    schema_version: number;
    cipher_version: string;
    cipher_integrity_errors: string[];
    integrity_errors: string[];
    check_errors: string[];
    messages: number;
    attachments: number;
    key_versions: number;
    trashed: number;
    orphans: string[];
  };
  index: { docs: number; vault_messages: number; error: string | null };
}

export interface AboutView {
  version: string;
  data_dir: string;
  vault_id: string;
}

/** Search result order (`helpr_core::SearchSort`): newest first, or best match first. */
export type SearchSort = "date" | "relevance";

/** One page request (`helpr_core::SearchOptions`); helpr-core caps `limit` at 10,000. */
export interface SearchOptions {
  limit: number;
  offset: number;
  sort: SearchSort;
}

/** One page of hits and how many messages match in all (`helpr_core::SearchPage`). */
export interface SearchPage {
  total: number;
  hits: MessageSummary[];
}

/** The error shape every command rejects with (`helpr_core::ErrorPayload`). */
export interface ApiError {
  code: string;
  message: string;
}

/** Code used when a rejection did not come from helpr-core (IPC failure, missing shell, bug). */
export const UNKNOWN_ERROR_CODE = "internal";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** Normalises anything a command can reject with into an `ApiError`. */
export function toApiError(error: unknown): ApiError {
  if (isRecord(error) && typeof error.code === "string" && typeof error.message === "string") {
    return { code: error.code, message: error.message };
  }
  if (typeof error === "string") {
    return { code: UNKNOWN_ERROR_CODE, message: error };
  }
  if (error instanceof Error) {
    return { code: UNKNOWN_ERROR_CODE, message: error.message };
  }
  return { code: UNKNOWN_ERROR_CODE, message: "unexpected error" };
}

/** Short human title for an error code; unknown codes fall back to a generic title. */
export function errorTitle(code: string): string {
  switch (code) {
    case "vault_locked":
      return "Vault locked";
    case "not_initialized":
      return "No vault here";
    case "not_found":
      return "Not found";
    case "invalid_input":
      return "Invalid input";
    case "integrity":
      return "Integrity check failed";
    case "storage":
      return "Storage error";
    case "team_unreachable":
      return "Team server unreachable";
    case "team_signed_out":
      return "Signed out of the team server";
    case "team_forbidden":
      return "Not allowed";
    case "secure_gone":
      return "Secure message expired or revoked";
    default:
      return "Something went wrong";
  }
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    // Components receive core's `{code, message}` as it is, not wrapped in an Error.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw toApiError(error);
  }
}

/** Every inbox with its counts, labels and health. */
export function sidebar(): Promise<SidebarInbox[]> {
  return call<SidebarInbox[]>("sidebar");
}

/** One page of conversations, newest first. */
export function conversations(query: ConversationQuery): Promise<ConversationPage> {
  return call<ConversationPage>("conversations", { query });
}

/** A conversation's messages, oldest first. */
export function thread(threadId: number): Promise<ThreadView> {
  return call<ThreadView>("thread", { threadId });
}

/** One message with its bodies and attachment list. */
export function getMessage(id: number): Promise<MessageView> {
  return call<MessageView>("get_message", { id });
}

/**
 * One page of the messages matching a Gmail-like `query` (words, "phrases", from:, subject:, …).
 * A malformed query rejects with code `invalid_input` and a message naming the column.
 */
export function searchMessages(query: string, options: SearchOptions): Promise<SearchPage> {
  return call<SearchPage>("search_messages", { query, options });
}

/** Opens the search index ahead of the first search, so the first keystroke's results are as
 * quick as the next ones. */
export function prepareSearch(): Promise<void> {
  return call<void>("prepare_search");
}

/** Moves conversations to the trash (and their Gmail messages to Gmail's Trash). */
export function deleteConversations(threadIds: number[]): Promise<Deleted> {
  return call<Deleted>("delete_conversations", { threadIds });
}

/** Brings conversations back from the trash (undo). */
export function restoreConversations(threadIds: number[]): Promise<Restored> {
  return call<Restored>("restore_conversations", { threadIds });
}

/** Brings messages of the trash back. */
export function restoreMessages(ids: number[]): Promise<Restored> {
  return call<Restored>("restore_messages", { ids });
}

export function trash(): Promise<Trash> {
  return call<Trash>("trash");
}

/** Purges messages of the trash now, for good. */
export function purgeMessages(ids: number[]): Promise<{ purged: number }> {
  return call<{ purged: number }>("purge_messages", { ids });
}

/** Purges everything whose grace period has ended. */
export function purgeExpired(): Promise<{ purged: number }> {
  return call<{ purged: number }>("purge_expired");
}

export function graceDays(): Promise<number> {
  return call<number>("grace_days");
}

/** Sets the grace period (1–365 days); resolves to the old one. */
export function setGraceDays(days: number): Promise<number> {
  return call<number>("set_grace_days", { days });
}

export function auditLog(query: AuditQuery): Promise<AuditEntry[]> {
  return call<AuditEntry[]>("audit_log", { query });
}

export function auditVerify(): Promise<AuditVerdict> {
  return call<AuditVerdict>("audit_verify");
}

export function listKeys(): Promise<KeyVersion[]> {
  return call<KeyVersion[]>("list_keys");
}

/** Makes a new key version active; resolves to it. */
export function rotateKey(): Promise<number> {
  return call<number>("rotate_key");
}

/** Re-seals `version`'s records under the active key and deletes it; progress per batch. */
export function retireKey(version: number, onProgress: (p: RetireProgress) => void): Promise<RetireOutcome> {
  const progress = new Channel<RetireProgress>();
  progress.onmessage = onProgress;
  return call<RetireOutcome>("retire_key", { version, progress });
}

/** Asks a running retirement to stop after its current batch. */
export function stopRetire(): Promise<void> {
  return call<void>("stop_retire");
}

export function doctor(): Promise<DoctorView> {
  return call<DoctorView>("doctor");
}

export function about(): Promise<AboutView> {
  return call<AboutView>("about");
}

/** How a draft starts (`helpr_core::ComposeMode`). */
export type ComposeMode = "new" | "reply" | "reply_all" | "forward";

/** One attachment of a draft; `data` is base64 (`helpr_core::DraftAttachment`). */
export interface DraftAttachment {
  name: string;
  content_type: string;
  data: string;
}

/** What the agent is writing (`helpr_core::Draft`); sealed in the vault on every save. */
export interface Draft {
  /** null until first saved. */
  id: number | null;
  /** The Gmail account it is sent from; null = the first connected one. */
  from: string | null;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  body: string;
  /** The message this answers. */
  reply_to: number | null;
  attachments: DraftAttachment[];
  /** Sent as secure email from a shared inbox; null or absent: ordinary mail. */
  secure?: SecureChoice | null;
  /** Unix seconds of the last save. */
  updated_at: number | null;
}

/** A draft in a list (`helpr_core::DraftSummary`). */
export interface DraftSummary {
  id: number;
  to: string[];
  subject: string;
  reply_to: number | null;
  attachments: number;
  updated_at: number;
}

/** A sent message's local copy (`helpr_core::SentView`). */
export interface SentView {
  id: number;
  thread_id: number;
  message_id: string;
}

/** Whether a configuration file names the Gmail OAuth client. */
export interface GmailSetup {
  configured: boolean;
}

/** The user's own Google desktop OAuth client. */
export interface OAuthClientInput {
  client_id: string;
  client_secret: string;
}

/** The sign-in waits for consent at `url` (opened in the system browser unless `opened` is false). */
export interface ConnectEvent {
  kind: "consent";
  url: string;
  opened: boolean;
}

/** One account's sync progress. */
export interface SyncEvent {
  address: string;
  phase: "listing" | "full_sync" | "incremental";
  done: number;
  total: number;
}

/** What one account's sync did (`helpr_core::SyncOutcome`, the parts the UI reads). */
export interface SyncOutcome {
  address: string;
  error: { code: string; message: string } | null;
}

/** Whether Settings must ask for an OAuth client before connecting Gmail. */
export function gmailSetup(): Promise<GmailSetup> {
  return call<GmailSetup>("gmail_setup");
}

/** Signs a Gmail account in (consent in the system browser); resolves to its address. */
export function connectGmail(client: OAuthClientInput | null, onEvent: (e: ConnectEvent) => void): Promise<string> {
  const events = new Channel<ConnectEvent>();
  events.onmessage = onEvent;
  return call<string>("connect_gmail", { client, events });
}

/** Syncs the connected Gmail inboxes (or `address`), with each account's progress. */
export function syncInboxes(address: string | null, onProgress: (e: SyncEvent) => void): Promise<SyncOutcome[]> {
  const progress = new Channel<SyncEvent>();
  progress.onmessage = onProgress;
  return call<SyncOutcome[]>("sync_inboxes", { address, progress });
}

/** Makes the next sync of `address` a full one. */
export function resyncInbox(address: string): Promise<void> {
  return call<void>("resync_inbox", { address });
}

/** Revokes the inbox's grant at Google and stops its sync; the mail stays. */
export function disconnectInbox(address: string): Promise<void> {
  return call<void>("disconnect_inbox", { address });
}

/** A new draft, or a reply / reply-all / forward of message `of` (a saved reply resumes). */
export function compose(mode: ComposeMode, of: number | null): Promise<Draft> {
  return call<Draft>("compose", { mode, of });
}

/** Seals the draft into the vault; resolves to it as saved (with its id). */
export function saveDraft(draft: Draft): Promise<Draft> {
  return call<Draft>("save_draft", { draft });
}

export function drafts(): Promise<DraftSummary[]> {
  return call<DraftSummary[]>("drafts");
}

export function draft(id: number): Promise<Draft> {
  return call<Draft>("draft", { id });
}

export function discardDraft(id: number): Promise<void> {
  return call<void>("discard_draft", { id });
}

/** Sends the draft (SMTP through core) and drops its saved copy. */
export function sendDraft(draft: Draft): Promise<SentView> {
  return call<SentView>("send_draft", { draft });
}

/** Saves an attachment as a new file in the downloads folder; resolves to its path. */
export function saveAttachment(id: number): Promise<string> {
  return call<string>("save_attachment", { id });
}

/** Asks where to save an attachment (the OS's dialog); resolves to the path, or null if cancelled. */
export function saveAttachmentAs(id: number): Promise<string | null> {
  return call<string | null>("save_attachment_as", { id });
}

/** Core fetches a message's blocked remote images: `data:` URLs by placeholder index, null where one failed. */
export function loadRemoteImages(id: number): Promise<(string | null)[]> {
  return call<(string | null)[]>("load_remote_images", { id });
}

/** Loads this message's sender's remote images without asking from now on; resolves to the address. */
export function allowImagesFromSender(id: number): Promise<string> {
  return call<string>("allow_images_from_sender", { id });
}

/** What marking read or unread changed (`helpr_core::Marked`). */
export interface Marked {
  changed: number[];
  /** Changes still owed to Gmail. */
  gmail_pending: number;
}

/** Marks conversations read (`read` true) or unread, here and at Gmail. */
export function markConversations(threadIds: number[], read: boolean): Promise<Marked> {
  return call<Marked>("mark_conversations", { threadIds, read });
}

/** Applies label `name` to conversations (`apply` true) or removes it, here and at Gmail. */
export function labelConversations(
  threadIds: number[],
  name: string,
  apply: boolean,
): Promise<Marked> {
  return call<Marked>("label_conversations", { threadIds, name, apply });
}

/** Whether new mail raises an OS notification, per inbox (`helpr_core::NotificationSettings`). */
export interface NotificationSettings {
  /** Notifications name the sender and subject (never while the screen is locked). */
  show_content: boolean;
  inboxes: { inbox_id: number; kind: string; address: string; watched: boolean }[];
}

export function notificationSettings(): Promise<NotificationSettings> {
  return call<NotificationSettings>("notification_settings");
}

/** Watches an inbox for new mail (`on`), or stops. */
export function watchInbox(inboxId: number, on: boolean): Promise<void> {
  return call<void>("watch_inbox", { inboxId, on });
}

/** Lets notifications name the sender and subject (`on`), or not. */
export function showNotificationContent(on: boolean): Promise<void> {
  return call<void>("show_notification_content", { on });
}

/**
 * Where the window loads message `messageId`'s inline image `contentId` from: the shell's
 * `helpr-cid` scheme, which serves it from the vault (`helpr-cid://localhost/…` on Linux and
 * macOS, `http://helpr-cid.localhost/…` on Windows).
 */
export function inlineImageUrl(messageId: number, contentId: string): string {
  return convertFileSrc(`${messageId}/${contentId}`, "helpr-cid");
}

/** The commands the UI needs, as one interface so components can be rendered against a stand-in. */
export interface HelprApi {
  sidebar(): Promise<SidebarInbox[]>;
  conversations(query: ConversationQuery): Promise<ConversationPage>;
  thread(threadId: number): Promise<ThreadView>;
  getMessage(id: number): Promise<MessageView>;
  searchMessages(query: string, options: SearchOptions): Promise<SearchPage>;
  prepareSearch(): Promise<void>;
  deleteConversations(threadIds: number[]): Promise<Deleted>;
  restoreConversations(threadIds: number[]): Promise<Restored>;
  restoreMessages(ids: number[]): Promise<Restored>;
  trash(): Promise<Trash>;
  purgeMessages(ids: number[]): Promise<{ purged: number }>;
  purgeExpired(): Promise<{ purged: number }>;
  graceDays(): Promise<number>;
  setGraceDays(days: number): Promise<number>;
  auditLog(query: AuditQuery): Promise<AuditEntry[]>;
  auditVerify(): Promise<AuditVerdict>;
  listKeys(): Promise<KeyVersion[]>;
  rotateKey(): Promise<number>;
  retireKey(version: number, onProgress: (p: RetireProgress) => void): Promise<RetireOutcome>;
  stopRetire(): Promise<void>;
  doctor(): Promise<DoctorView>;
  about(): Promise<AboutView>;
  gmailSetup(): Promise<GmailSetup>;
  connectGmail(client: OAuthClientInput | null, onEvent: (e: ConnectEvent) => void): Promise<string>;
  syncInboxes(address: string | null, onProgress: (e: SyncEvent) => void): Promise<SyncOutcome[]>;
  resyncInbox(address: string): Promise<void>;
  disconnectInbox(address: string): Promise<void>;
  compose(mode: ComposeMode, of: number | null): Promise<Draft>;
  saveDraft(draft: Draft): Promise<Draft>;
  drafts(): Promise<DraftSummary[]>;
  draft(id: number): Promise<Draft>;
  discardDraft(id: number): Promise<void>;
  sendDraft(draft: Draft): Promise<SentView>;
  saveAttachment(id: number): Promise<string>;
  saveAttachmentAs(id: number): Promise<string | null>;
  loadRemoteImages(id: number): Promise<(string | null)[]>;
  allowImagesFromSender(id: number): Promise<string>;
  markConversations(threadIds: number[], read: boolean): Promise<Marked>;
  labelConversations(threadIds: number[], name: string, apply: boolean): Promise<Marked>;
  notificationSettings(): Promise<NotificationSettings>;
  watchInbox(inboxId: number, on: boolean): Promise<void>;
  showNotificationContent(on: boolean): Promise<void>;
  inlineImageUrl(messageId: number, contentId: string): string;
  /** Team mode: sign-in, the live connection, administration. */
  team: TeamApi;
  /** Secure email's status, sync, revoke and unlock. */
  secure: SecureApi;
}

/** The real shell. */
export const tauriApi: HelprApi = {
  sidebar,
  conversations,
  thread,
  getMessage,
  searchMessages,
  prepareSearch,
  deleteConversations,
  restoreConversations,
  restoreMessages,
  trash,
  purgeMessages,
  purgeExpired,
  graceDays,
  setGraceDays,
  auditLog,
  auditVerify,
  listKeys,
  rotateKey,
  retireKey,
  stopRetire,
  doctor,
  about,
  gmailSetup,
  connectGmail,
  syncInboxes,
  resyncInbox,
  disconnectInbox,
  compose,
  saveDraft,
  drafts,
  draft,
  discardDraft,
  sendDraft,
  saveAttachment,
  saveAttachmentAs,
  loadRemoteImages,
  allowImagesFromSender,
  markConversations,
  labelConversations,
  notificationSettings,
  watchInbox,
  showNotificationContent,
  inlineImageUrl,
  team: tauriTeamApi,
  secure: tauriSecureApi,
};
