// The one module that talks to the Tauri shell. Every command the UI uses is wrapped here with
// typed views that mirror the Rust transport types in helpr-core (snake_case, as serialized), and
// every failure is turned into an `ApiError` so components never inspect raw rejection values.
import { invoke } from "@tauri-apps/api/core";

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
  html: string | null;
  labels: string[];
  attachments: AttachmentInfo[];
  /** Why helpr could not display this message (kept with its original source); null otherwise. */
  rejected: string | null;
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
    default:
      return "Something went wrong";
  }
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toApiError(error);
  }
}

/** All messages in the vault, newest first as helpr-core orders them. */
export function listMessages(): Promise<MessageSummary[]> {
  return call<MessageSummary[]>("list_messages");
}

/** One message with its plain-text body and attachment list. */
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

/** The commands the UI needs, as one interface so components can be rendered against a stand-in. */
export interface HelprApi {
  listMessages(): Promise<MessageSummary[]>;
  getMessage(id: number): Promise<MessageView>;
  searchMessages(query: string, options: SearchOptions): Promise<SearchPage>;
}

/** The real shell. */
export const tauriApi: HelprApi = { listMessages, getMessage, searchMessages };
