// The conversation list's paging: which pages of core's list the visible rows need, and which
// row of a fetched page a list index is. Pure: no DOM, no React.
import type { ConversationQuery } from "../api";
import type { ListRoute } from "../app/route";

/** Conversations per request to core; the window never asks for more than the rows in view need. */
export const PAGE_SIZE = 100;

/** The query for page `page` of `route`'s list. */
export function pageQuery(route: ListRoute, page: number): ConversationQuery {
  return { inbox: route.inbox, label: route.label, limit: PAGE_SIZE, offset: page * PAGE_SIZE };
}

/** The page holding list index `index`, and the row within it. */
export function locate(index: number): { page: number; row: number } {
  return { page: Math.floor(index / PAGE_SIZE), row: index % PAGE_SIZE };
}

/** The pages rows `start`..=`end` of a list of `total` need, ascending and each once: page 0
 * (it carries the total) always, and the page on either side of those in view, so a row
 * scrolled into view is usually there already. */
export function pagesFor(start: number, end: number, total: number): number[] {
  const first = locate(start).page;
  const last = locate(Math.max(start, end)).page;
  const pages = new Set<number>([0]);
  for (let page = Math.max(0, first - 1); page <= last + 1; page += 1) {
    if (page <= last || page * PAGE_SIZE < total) pages.add(page);
  }
  return [...pages].sort((a, b) => a - b);
}

/** The count line: `No conversations`, `1 conversation`, `12,345 conversations`. */
export function conversationCount(total: number): string {
  if (total === 0) return "No conversations";
  if (total === 1) return "1 conversation";
  return `${new Intl.NumberFormat("en").format(total)} conversations`;
}
