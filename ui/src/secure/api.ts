// Secure email's commands and views (issue 17, `docs/secure-email.md`): they mirror helpr-core's
// `team::secure` module and helpr-proto's `secure` views (snake_case, as serialized). The window
// reaches them through `HelprApi.secure`, so component tests can hand in a stand-in. Status comes
// from the vault (offline); sync, revoke and unlock need the team server.
import { invoke } from "@tauri-apps/api/core";
import { toApiError } from "../api";

/** A draft's secure options as compose sets them (`helpr_core::SecureChoice`). */
export interface SecureChoice {
  /** Its life in days, 1..=366; null: 28. */
  expires_in_days: number | null;
  /** Opens allowed per reader, ≥ 1; null: no limit. */
  max_opens: number | null;
}

/** Where a reader stands (`helpr_proto::secure::RecipientState`). */
export type RecipientState = "waiting" | "read" | "locked" | "revoked";

/** One reader, for the sender (`helpr_proto::secure::RecipientView`). */
export interface RecipientView {
  /** Their place in the message's list, from 0: what revoke and unlock name. */
  n: number;
  address: string;
  state: RecipientState;
  /** Each key release (a "read"), unix seconds, oldest first. */
  reads: number[];
  /** Unix seconds, when locked out. */
  locked_at: number | null;
}

/** One entry of the protected thread (`helpr_proto::secure::EntryView`). */
export interface EntryView {
  n: number;
  from: "sender" | "recipient" | "you";
  /** The reader who wrote it (`from: "recipient"`). */
  recipient: number | null;
  at: number;
}

/** The server's status of a protected thread (`helpr_proto::secure::SecureView`). */
export interface SecureView {
  id: string;
  /** Gmail's thread id, not the local one. */
  thread_id: string | null;
  created_at: number;
  expires_at: number;
  max_opens: number | null;
  /** Revoked for everyone: the server's half of the key is gone. */
  revoked: boolean;
  expired: boolean;
  recipients: RecipientView[];
  entries: EntryView[];
}

/** One protected thread as the vault knows it (`helpr_core::team::secure::SecureStatus`). */
export interface SecureStatus {
  id: string;
  /** The local conversation. */
  thread_id: number | null;
  /** The server's last word; null when it was never reached for this thread. */
  status: SecureView | null;
  entries_stored: number;
}

/** What `secure_sync` did (`helpr_core::team::secure::SecureSynced`). */
export interface SecureSynced {
  threads: number;
  /** Replies newly stored as messages. */
  stored: number;
}

export interface SecureApi {
  /** The protected threads of a local conversation, from the vault (works offline). */
  status(threadId: number): Promise<SecureStatus[]>;
  /** Fetches every protected thread's status and stores new replies as messages. */
  sync(): Promise<SecureSynced>;
  /** Revokes reader `recipient`, or everyone (null): the link stops working. */
  revoke(id: string, recipient: number | null): Promise<SecureView>;
  /** Lifts reader `recipient`'s lockout after too many wrong codes. */
  unlock(id: string, recipient: number): Promise<SecureView>;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw toApiError(error);
  }
}

export const tauriSecureApi: SecureApi = {
  status: (threadId) => call("secure_status", { threadId }),
  sync: () => call("secure_sync"),
  revoke: (id, recipient) => call("secure_revoke", { id, recipient }),
  unlock: (id, recipient) => call("secure_unlock", { id, recipient }),
};
