// Compose's pure parts: recipient fields as a person types them (commas or semicolons, quoted
// names kept whole), attachments read from files into base64, and what may be sent (a secure
// message has no Bcc: it names its readers).
import type { ComposeMode, Draft, DraftAttachment, SidebarInbox } from "../api";

/** `Ana <a@x>, "Doe, Jo" <j@x>; b@x` → three addresses; empty pieces dropped. */
export function splitAddresses(text: string): string[] {
  const out: string[] = [];
  let current = "";
  let quoted = false;
  let angled = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (ch === "<" && !quoted) angled = true;
    else if (ch === ">" && !quoted) angled = false;
    if ((ch === "," || ch === ";") && !quoted && !angled) {
      out.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  out.push(current);
  return out.map((a) => a.trim()).filter((a) => a !== "");
}

export function joinAddresses(list: readonly string[]): string {
  return list.join(", ");
}

/** Bytes as base64 (in chunks: one `fromCharCode` call per 32 KiB). */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** The decoded size of a base64 attachment. */
export function attachmentSize(a: DraftAttachment): number {
  const padding = a.data.endsWith("==") ? 2 : a.data.endsWith("=") ? 1 : 0;
  return Math.max(0, (a.data.length / 4) * 3 - padding);
}

export async function fileToAttachment(file: File): Promise<DraftAttachment> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  return { name: file.name, content_type: file.type, data: toBase64(bytes) };
}

/** Why the draft cannot be sent yet, or null when it can. */
export function sendBlocker(draft: Draft): string | null {
  if (draft.to.length === 0) return "Add at least one recipient in To.";
  if ((draft.secure ?? null) !== null && draft.bcc.length > 0) {
    return "A secure message names its readers: move the Bcc addresses to To or Cc, or turn off Send securely.";
  }
  if (draft.subject.trim() === "" && draft.reply_to === null) return "Add a subject.";
  return null;
}

/** The composer's title for its mode. */
export function composeTitle(mode: string): string {
  switch (mode) {
    case "reply":
      return "Reply";
    case "reply_all":
      return "Reply all";
    case "forward":
      return "Forward";
    default:
      return "New message";
  }
}

/** A new message started with no sender while a Gmail inbox is in view is sent from that inbox
 *  (so a shared inbox's new message may go securely); anything else is left as core started it. */
export function fromInboxInView(draft: Draft, mode: ComposeMode, inbox: number | null, inboxes: SidebarInbox[]): Draft {
  if (mode !== "new" || draft.from !== null || inbox === null) return draft;
  const shown = inboxes.find((i) => i.inbox_id === inbox && i.kind === "gmail");
  return shown === undefined ? draft : { ...draft, from: shown.address };
}
