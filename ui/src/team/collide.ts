// Collision detection's pure logic: who else is in a conversation (presence, as the server last
// said it), how to say it, who a conversation is assigned to, and when sending a reply should be
// confirmed first: another agent writes a reply to it, or a message arrived after the composer
// opened. Without presence (offline, not signed in) nobody else is known to write: no question.
import type { ConversationRef } from "./api";

/** Who is in one conversation, by user id (the user themselves included, as the server says). */
export interface Presence {
  viewing: readonly number[];
  composing: readonly number[];
}

export const NOBODY: Presence = { viewing: [], composing: [] };

/** One key per conversation (query keys, maps). */
export function conversationKey(c: ConversationRef): string {
  return `${c.inbox}:${c.thread}`;
}

export const ASSIGNMENTS_KEY = ["team-assignments"] as const;
export const PEOPLE_KEY = ["team-people"] as const;
export const PRESENCE_KEY = "team-presence";

/** The query key holding a conversation's presence. */
export function presenceKey(c: ConversationRef) {
  return [PRESENCE_KEY, conversationKey(c)] as const;
}

/** A user's name, from the organization's users; a neutral word when they are not known yet. */
export function nameOf(id: number, names: ReadonlyMap<number, string>): string {
  return names.get(id) ?? "A teammate";
}

/** `Ada`, `Ada and Bob`, `Ada, Bob and Cy`. */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** The others in `ids` (never the user), each once, in the order given. */
export function others(ids: readonly number[], me: number | null): number[] {
  return [...new Set(ids)].filter((id) => id !== me);
}

/** What the thread says of the others: "Ada is viewing", "Bob is writing a reply". Someone who
 *  writes is not also listed as viewing. */
export function presenceLines(presence: Presence, me: number | null, names: ReadonlyMap<number, string>): string[] {
  const writing = others(presence.composing, me);
  const viewing = others(presence.viewing, me).filter((id) => !writing.includes(id));
  const lines: string[] = [];
  if (viewing.length > 0) {
    lines.push(`${joinNames(viewing.map((id) => nameOf(id, names)))} ${viewing.length === 1 ? "is" : "are"} viewing`);
  }
  if (writing.length > 0) {
    lines.push(`${joinNames(writing.map((id) => nameOf(id, names)))} ${writing.length === 1 ? "is" : "are"} writing a reply`);
  }
  return lines;
}

/** The assignees' names, for a chip or the thread header. */
export function assigneeNames(ids: readonly number[], names: ReadonlyMap<number, string>): string {
  return joinNames(ids.map((id) => nameOf(id, names)));
}

/** The newest message of a conversation: the highest id (the vault numbers messages as they
 *  arrive); null for none. */
export function newestMessage(messages: readonly { id: number }[] | undefined): number | null {
  if (messages === undefined || messages.length === 0) return null;
  return Math.max(...messages.map((m) => m.id));
}

/** What sending should ask first, or null to send at once. `latestAtOpen` is the newest message
 *  of the conversation when the composer opened, `latestNow` the newest now (null: unknown). */
export function sendQuestion(
  presence: Presence,
  me: number | null,
  names: ReadonlyMap<number, string>,
  latestAtOpen: number | null,
  latestNow: number | null,
): string | null {
  const writing = others(presence.composing, me);
  const questions: string[] = [];
  if (writing.length > 0) {
    const who = joinNames(writing.map((id) => nameOf(id, names)));
    questions.push(`${who} ${writing.length === 1 ? "is" : "are"} writing a reply to this conversation.`);
  }
  if (latestAtOpen !== null && latestNow !== null && latestNow > latestAtOpen) {
    questions.push("A newer message arrived in this conversation after you started this reply.");
  }
  return questions.length === 0 ? null : `${questions.join(" ")} Send anyway?`;
}
