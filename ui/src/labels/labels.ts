// What the label menu offers: the labels a person applies by hand (the user's labels and
// Gmail's Inbox, Starred and Important; not Unread, Trash, Sent, Drafts, Spam or categories,
// which have their own commands or are Gmail's to set), whether each is on all, some or none
// of the conversations acted on, and whether what was typed names a new label.
import { labelName, labelOrder } from "../sidebar/health";

/** Gmail's labels a person applies and removes by hand (core accepts these by their ids). */
const APPLICABLE_SYSTEM = ["INBOX", "STARRED", "IMPORTANT"];

/** Whether label `name` (as stored) is applied by hand. */
export function applicable(name: string): boolean {
  return APPLICABLE_SYSTEM.includes(name) || labelName(name) === name;
}

/** On every conversation acted on, on some of them, or on none. */
export type LabelState = "all" | "some" | "none";

export interface LabelOption {
  /** The stored name (what core is told). */
  name: string;
  /** What the menu shows. */
  shown: string;
  state: LabelState;
}

/** Which of `targets` (the labels of each conversation acted on) carry `name`. */
export function stateOf(name: string, targets: readonly (readonly string[])[]): LabelState {
  const carrying = targets.filter((labels) => labels.includes(name)).length;
  if (carrying === 0) return "none";
  return carrying === targets.length ? "all" : "some";
}

/**
 * The menu's options: every applicable label known (the sidebar's, Gmail's applicable ones,
 * and those the targets carry), shown as people know them, in the sidebar's order, keeping
 * those whose name contains `filter` (any case).
 */
export function labelOptions(
  known: readonly string[],
  targets: readonly (readonly string[])[],
  filter: string,
): LabelOption[] {
  const names = new Set([...APPLICABLE_SYSTEM, ...known, ...targets.flat()].filter(applicable));
  const needle = filter.trim().toLowerCase();
  return [...names]
    .map((name) => ({ name, shown: labelName(name) ?? name, state: stateOf(name, targets) }))
    .filter((o) => needle === "" || o.shown.toLowerCase().includes(needle) || o.name.toLowerCase().includes(needle))
    .sort((a, b) => labelOrder(a.name) - labelOrder(b.name) || a.shown.localeCompare(b.shown));
}

/** The new label `filter` names, if it names none of `options` (any case); null otherwise. */
export function newLabel(filter: string, options: readonly LabelOption[]): string | null {
  const name = filter.trim();
  if (name === "") return null;
  const lower = name.toLowerCase();
  const taken = options.some((o) => o.name.toLowerCase() === lower || o.shown.toLowerCase() === lower);
  return taken ? null : name;
}

/** `targets` after `name` was applied to all of them (`apply`) or removed from all. */
export function withLabel(targets: readonly (readonly string[])[], name: string, apply: boolean): string[][] {
  return targets.map((labels) => {
    const rest = labels.filter((l) => l !== name);
    return apply ? [...rest, name] : rest;
  });
}
