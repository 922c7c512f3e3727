// Secure email's pure parts: the choices compose offers (expiry, opens), whether a From address
// is a shared team inbox (only those send securely), and the words the thread's panel uses for a
// protected thread and each reader. No DOM, no Tauri: unit-tested alone.
import type { ApiError, SidebarInbox } from "../api";
import { formatDayTime } from "../format";
import type { TeamStatus } from "../team/api";
import type { RecipientView, SecureChoice, SecureView } from "./api";

/** A new secure draft: 28 days, no limit on opens (the server's defaults, said out loud). */
export const DEFAULT_SECURE: SecureChoice = { expires_in_days: 28, max_opens: null };

export const EXPIRY_DAYS: readonly number[] = [1, 7, 28, 90];
export const OPENS: readonly (number | null)[] = [null, 1, 3, 10];

/** The expiry menu: the usual lives, and a draft's own value (set elsewhere) when it is not one. */
export function expiryChoices(current: number | null): number[] {
  const days = current ?? 28;
  return EXPIRY_DAYS.includes(days) ? [...EXPIRY_DAYS] : [...EXPIRY_DAYS, days].sort((a, b) => a - b);
}

/** The opens menu, likewise. */
export function opensChoices(current: number | null): (number | null)[] {
  return OPENS.includes(current) ? [...OPENS] : [...OPENS, current];
}

export function daysLabel(days: number): string {
  return days === 1 ? "1 day" : `${days} days`;
}

export function opensLabel(opens: number | null): string {
  if (opens === null) return "No limit";
  return opens === 1 ? "1 open" : `${opens} opens`;
}

/** Whether `from` (a draft's From) is a vault inbox that holds a team server's shared inbox. */
export function isSharedAddress(
  from: string | null,
  inboxes: readonly SidebarInbox[] | undefined,
  team: TeamStatus | null | undefined,
): boolean {
  if (from === null || inboxes === undefined || team === null || team === undefined) return false;
  const address = from.trim().toLowerCase();
  const inbox = inboxes.find((i) => i.address.toLowerCase() === address);
  return inbox !== undefined && team.inboxes.some((e) => e.local_inbox === inbox.inbox_id);
}

/** Whether a protected thread can no longer be read (revoked for everyone, or past its expiry). */
export function isClosed(view: SecureView, nowSeconds: number): boolean {
  return view.revoked || view.expired || view.expires_at <= nowSeconds;
}

/** The thread's life: `Revoked`, `Expired`, or `Expires 3 Jan 14:02`. */
export function expiryText(view: SecureView, now: Date = new Date()): string {
  if (view.revoked) return "Revoked";
  if (view.expired || view.expires_at * 1000 <= now.getTime()) return "Expired";
  return `Expires ${formatDayTime(view.expires_at, now)}`;
}

export function opensText(max: number | null): string {
  if (max === null) return "No limit on opens";
  return max === 1 ? "1 open per reader" : `${max} opens per reader`;
}

/** A reader's state in words; a read names the latest one. */
export function readerText(reader: RecipientView, now: Date = new Date()): string {
  switch (reader.state) {
    case "waiting":
      return "Not opened yet";
    case "locked":
      return "Locked out after too many wrong codes";
    case "revoked":
      return "Access revoked";
    case "read": {
      const last = reader.reads.at(-1);
      return last === undefined ? "Read" : `Read ${formatDayTime(last, now)}`;
    }
  }
}

/** Every read, for the hover text and the expanded list: `3 Dec 14:02, 4 Dec 09:10`. */
export function readsText(reader: RecipientView, now: Date = new Date()): string {
  return reader.reads.map((r) => formatDayTime(r, now)).join(", ");
}

/** A revoke or unlock that could not reach the team server says so, and that nothing changed. */
export function actionError(error: ApiError, what: string): ApiError {
  if (error.code !== "team_unreachable") return error;
  return {
    code: error.code,
    message: `The team server could not be reached, so ${what} did not happen. Try again when you are online. (${error.message})`,
  };
}
