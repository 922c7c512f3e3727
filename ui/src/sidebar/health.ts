// What the sidebar says about an inbox's health, from core's `InboxHealth`. Pure: unit-tested.
import type { InboxHealth } from "../api";

/** The states the sidebar and top bar distinguish. */
export type HealthKind = "ok" | "syncing" | "reconnect" | "disconnected" | "offline" | "error";

export interface HealthSummary {
  kind: HealthKind;
  /** One short line: `Up to date`, `Syncing 120 / 4,000`, `Reconnect needed`. */
  label: string;
  /** Why, when something is wrong (the recorded error's message). */
  reason: string | null;
  /** 0..1 while syncing with a known total, else null. */
  progress: number | null;
}

const SYNCING = new Set(["listing", "full_sync", "incremental"]);
/** Error codes that mean Google could not be reached or asked us to slow down. */
const OFFLINE_CODES = new Set(["gmail_unavailable", "gmail_token", "oauth", "smtp_network"]);

const count = new Intl.NumberFormat("en");

/** Splits a recorded `code: message` error. */
export function splitError(recorded: string): { code: string; message: string } {
  const at = recorded.indexOf(": ");
  if (at < 0) return { code: recorded, message: recorded };
  return { code: recorded.slice(0, at), message: recorded.slice(at + 2) };
}

/** The summary of a Gmail inbox's health; a local inbox (`null`) is always up to date. */
export function summarize(health: InboxHealth | null): HealthSummary {
  if (health === null) return { kind: "ok", label: "Up to date", reason: null, progress: null };
  const error = health.last_error === null ? null : splitError(health.last_error);
  if (health.account === "reconnect_needed") {
    return {
      kind: "reconnect",
      label: "Reconnect needed",
      reason: error?.message ?? "Google refused the stored grant.",
      progress: null,
    };
  }
  if (health.account === "disconnected") {
    return { kind: "disconnected", label: "Disconnected", reason: null, progress: null };
  }
  if (SYNCING.has(health.state)) {
    const known = health.total > 0;
    return {
      kind: "syncing",
      label: known
        ? `Syncing ${count.format(health.done)} / ${count.format(health.total)}`
        : "Syncing…",
      reason: null,
      progress: known ? Math.min(1, health.done / health.total) : null,
    };
  }
  if (health.state === "error" && error !== null) {
    if (error.code === "reconnect_needed") {
      return { kind: "reconnect", label: "Reconnect needed", reason: error.message, progress: null };
    }
    const offline = OFFLINE_CODES.has(error.code);
    return {
      kind: offline ? "offline" : "error",
      label: offline ? "Offline or rate-limited" : "Sync failed",
      reason: error.message,
      progress: null,
    };
  }
  return { kind: "ok", label: "Up to date", reason: null, progress: null };
}

/** What an inbox is called: imported mail, or its address. */
export function inboxTitle(inbox: { kind: string; address: string }): string {
  return inbox.kind === "local" && inbox.address === "local" ? "Imported mail" : inbox.address;
}

/** Gmail's system labels as people know them; `null` hides one the sidebar leaves out. */
export function labelName(name: string): string | null {
  switch (name) {
    case "INBOX":
      return "Inbox";
    case "SENT":
      return "Sent";
    case "STARRED":
      return "Starred";
    case "IMPORTANT":
      return "Important";
    case "SPAM":
      return "Spam";
    case "DRAFT":
      return "Drafts";
    case "UNREAD":
    case "TRASH":
    case "CHAT":
      return null;
    default:
      if (name.startsWith("CATEGORY_")) return null;
      return name;
  }
}

/** System labels first in Gmail's order, then the user's labels by name. */
export function labelOrder(name: string): number {
  const order = ["INBOX", "STARRED", "IMPORTANT", "SENT", "DRAFT", "SPAM"].indexOf(name);
  return order < 0 ? 100 : order;
}
