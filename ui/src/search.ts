// Pure search-paging logic: page requests, appending pages, and the count line. No DOM, no Tauri.
import type { MessageSummary, SearchOptions, SearchPage, SearchSort } from "./api";

/** Hits fetched per request; "Load more" asks for the next page of this size. */
export const SEARCH_PAGE_SIZE = 50;

/** The search the list pane shows: its query, order, the hits fetched so far and the total. */
export interface SearchResults {
  query: string;
  sort: SearchSort;
  hits: MessageSummary[];
  total: number;
}

/** The request for the page after the `shown` hits already fetched. */
export function pageOptions(sort: SearchSort, shown = 0): SearchOptions {
  return { limit: SEARCH_PAGE_SIZE, offset: shown, sort };
}

/** The results after the first page of a search. */
export function firstPage(query: string, sort: SearchSort, page: SearchPage): SearchResults {
  return { query, sort, hits: page.hits, total: page.total };
}

/**
 * The results with the next page appended. Hits already shown are dropped: mail imported or
 * deleted between two requests shifts the offsets, and a row must not appear twice.
 */
export function appendPage(results: SearchResults, page: SearchPage): SearchResults {
  const shown = new Set(results.hits.map((m) => m.id));
  const fresh = page.hits.filter((m) => !shown.has(m.id));
  return { ...results, hits: [...results.hits, ...fresh], total: page.total };
}

/** Whether more hits exist than are shown (so "Load more" has something to load). */
export function hasMore(results: SearchResults): boolean {
  return results.hits.length < results.total;
}

/** The count line for a search: `No matches`, `1 of 1 match`, `50 of 120 matches`. */
export function matchesLabel(results: SearchResults): string {
  if (results.total === 0) return "No matches";
  const noun = results.total === 1 ? "match" : "matches";
  return `${results.hits.length} of ${results.total} ${noun}`;
}
