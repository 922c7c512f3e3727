// Search-paging logic: the query's cache entry, page requests, merging pages, and the count
// line. No DOM, no Tauri.
import { infiniteQueryOptions } from "@tanstack/react-query";
import type { HelprApi, MessageSummary, SearchOptions, SearchPage, SearchSort } from "../api";

/** Hits fetched per request; scrolling near the end asks for the next page of this size. */
export const SEARCH_PAGE_SIZE = 50;

/** How long typing must pause before the query runs (results as you type): keys that arrive
 * together (auto-repeat, an input method committing several) send one query, and a keystroke's
 * results still paint within 100 ms. Typed a key at a time, a query runs its prefixes on the way:
 * `subject:` runs `subject` first, and the malformed `subject:` then keeps those hits under its
 * banner (the last good list), as it keeps any earlier hits. (30 ms cost every keystroke 30 ms;
 * at 15 ms the median keystroke went from 69 to 55 ms, `cargo xtask bench desktop`.) */
export const SEARCH_DEBOUNCE_MS = 10;

/** The request for the page after the `shown` hits already fetched. */
export function pageOptions(sort: SearchSort, shown = 0): SearchOptions {
  return { limit: SEARCH_PAGE_SIZE, offset: shown, sort };
}

/**
 * A search's pages in the query cache, keyed by query and sort: what the results pane reads, and
 * what sending a query fetches at once, so that core answers while the pane is still rendering
 * (the first keystroke of a search swaps the whole list pane: ~25 ms before the pane's own fetch
 * would start).
 */
export function searchQuery(api: HelprApi, query: string, sort: SearchSort) {
  return infiniteQueryOptions({
    queryKey: ["search", query, sort],
    queryFn: ({ pageParam }) => api.searchMessages(query, pageOptions(sort, pageParam)),
    initialPageParam: 0,
    getNextPageParam: (_last, pages) => nextOffset(pages),
    staleTime: 5_000,
    retry: false,
  });
}

/** The hits fetched so far and how many match in all. */
export interface SearchResults {
  hits: MessageSummary[];
  total: number;
}

/**
 * The pages fetched so far as one list. Hits already shown are dropped: mail imported or deleted
 * between two requests shifts the offsets, and a row must not appear twice.
 */
export function mergePages(pages: readonly SearchPage[]): SearchResults {
  const seen = new Set<number>();
  const hits: MessageSummary[] = [];
  for (const page of pages) {
    for (const hit of page.hits) {
      if (seen.has(hit.id)) continue;
      seen.add(hit.id);
      hits.push(hit);
    }
  }
  return { hits, total: pages[pages.length - 1]?.total ?? 0 };
}

/** The offset of the next page, or undefined when every hit is fetched (or a page came back empty). */
export function nextOffset(pages: readonly SearchPage[]): number | undefined {
  const last = pages[pages.length - 1];
  if (last === undefined || last.hits.length === 0) return undefined;
  const fetched = pages.reduce((n, p) => n + p.hits.length, 0);
  return fetched < last.total ? fetched : undefined;
}

/** The count line for a search: `No matches`, `1 of 1 match`, `50 of 120 matches`. */
export function matchesLabel(results: SearchResults): string {
  if (results.total === 0) return "No matches";
  const noun = results.total === 1 ? "match" : "matches";
  return `${results.hits.length} of ${results.total} ${noun}`;
}

/** The operators the search box offers as hints, with what each does. */
export const OPERATORS: readonly { op: string; hint: string }[] = [
  { op: "from:", hint: "sender name or address" },
  { op: "to:", hint: "recipient" },
  { op: "cc:", hint: "copied recipient" },
  { op: "subject:", hint: "word in the subject" },
  { op: "has:attachment", hint: "with attachments" },
  { op: "filename:", hint: "attachment name" },
  { op: "label:", hint: "Gmail label" },
  { op: "is:unread", hint: "not read yet" },
  { op: "after:", hint: "date, e.g. 2024/03/01" },
  { op: "before:", hint: "date, e.g. 2024/12/31" },
  { op: '"', hint: "exact phrase" },
  { op: "-", hint: "exclude a word" },
];

/** The operators whose name starts with the word being typed (the last one), if it is one. */
export function operatorHints(draft: string): { op: string; hint: string }[] {
  const word = /(?:^|\s)([a-z_]*)$/.exec(draft)?.[1] ?? "";
  if (word === "") return draft.trim() === "" ? [...OPERATORS] : [];
  return OPERATORS.filter((o) => o.op.startsWith(word) && o.op !== word);
}

/** The draft with its last word replaced by `op` (what picking a hint does). */
export function applyHint(draft: string, op: string): string {
  return draft.replace(/([a-z_]*)$/, op);
}
