// The conversation list of the route shown (all inboxes, one inbox, one label): asks core only
// for the pages the rows in view need and the page on either side (100 conversations each,
// cached briefly and revalidated by TanStack Query), so opening a 100,000-message vault costs
// one page, not every message.
import { keepPreviousData, useQueries, useQueryClient } from "@tanstack/react-query";
import { forwardRef, useCallback, useEffect, useMemo, useState } from "react";
import type { ApiError, ConversationPage, ConversationSummary } from "../api";
import { toApiError } from "../api";
import { useApi } from "../app/apiContext";
import type { ListRoute } from "../app/route";
import type { RowData } from "./ConversationRow";
import { memoByObject } from "./memo";
import { conversationCount, locate, pageQuery, pagesFor } from "./pages";
import { RowList, type RowListHandle } from "./RowList";
import { assigneeNames } from "../team/collide";
import { useAssignments, usePeople } from "../team/useCollide";

/** How long a fetched page is served without asking core again. */
const PAGE_FRESH_MS = 5_000;
/** How long a page no row in view needs is kept: scrolled past, it is asked for again (core
 * keeps the list's order, so a page costs ~5 ms through the IPC), rather than held for
 * TanStack Query's default five minutes. */
const PAGE_KEPT_MS = 10_000;

/** The performance mark set once, in the frame after the first rows are on screen
 * (`cargo xtask bench desktop` reads it: start → list painted). */
export const LIST_PAINTED_MARK = "helpr:list-painted";
let listPainted = false;

/** What the workspace hands either list pane (conversations, or search hits). */
export interface ListPaneProps {
  openThread: number | null;
  onOpen: (threadId: number) => void;
  selected: ReadonlySet<number>;
  onSelectedChange: (keys: Set<number>) => void;
  onError: (error: ApiError) => void;
}

interface Props extends ListPaneProps {
  route: ListRoute;
}

function toRow(c: ConversationSummary): RowData {
  return {
    key: c.thread_id,
    from: c.from,
    subject: c.subject,
    snippet: c.snippet,
    date: c.last_date,
    unread: c.unread_count > 0,
    count: c.message_count,
    hasAttachments: c.has_attachments,
    labels: c.labels,
  };
}

/** A fetched page's rows, made once per page object. */
const rowsOf = memoByObject((page: ConversationPage) => page.conversations.map(toRow));

export const ConversationList = forwardRef<RowListHandle, Props>(function ConversationList(
  { route, openThread, onOpen, selected, onSelectedChange, onError },
  ref,
) {
  const api = useApi();
  const [range, setRange] = useState<[number, number]>([0, 0]);
  // The total page 0 has told so far (none yet: no page after those in view is asked for).
  const known =
    useQueryClient().getQueryData<ConversationPage>(["conversations", route.inbox, route.label, 0])?.total ?? 0;
  const pages = useMemo(() => pagesFor(range[0], range[1], known), [range, known]);
  const results = useQueries({
    queries: pages.map((page) => ({
      queryKey: ["conversations", route.inbox, route.label, page],
      queryFn: () => api.conversations(pageQuery(route, page)),
      staleTime: PAGE_FRESH_MS,
      gcTime: PAGE_KEPT_MS,
      placeholderData: page === 0 ? keepPreviousData : undefined,
    })),
  });
  const byPage = new Map<number, ConversationPage>();
  pages.forEach((page, i) => {
    const data = results[i]?.data;
    if (data !== undefined) byPage.set(page, data);
  });
  const first = results[0];
  const total = byPage.get(0)?.total ?? 0;
  const error = results.find((r) => r.error !== null)?.error ?? null;
  useEffect(() => {
    if (error !== null) onError(toApiError(error));
  }, [error, onError]);
  const hasRows = byPage.get(0) !== undefined && total > 0;
  useEffect(() => {
    if (!hasRows || listPainted) return;
    listPainted = true;
    requestAnimationFrame(() => performance.mark(LIST_PAINTED_MARK));
  }, [hasRows]);
  // Rows are on screen: now get the search ready for the first keystroke (cheap once done).
  // A failure here is the first search's to report.
  useEffect(() => {
    if (hasRows) api.prepareSearch().catch(() => undefined);
  }, [hasRows, api]);

  const rowAt = (index: number): RowData | undefined => {
    const { page, row } = locate(index);
    const data = byPage.get(page);
    return data === undefined ? undefined : rowsOf(data)[row];
  };
  const onRange = useCallback((start: number, end: number) => {
    setRange((shown) => (shown[0] === start && shown[1] === end ? shown : [start, end]));
  }, []);
  const assignments = useAssignments();
  const people = usePeople();
  const assignedTo = useCallback(
    (key: number) => {
      const ids = assignments.get(key);
      return ids === undefined || ids.length === 0 ? undefined : assigneeNames(ids, people);
    },
    [assignments, people],
  );
  const open = (index: number) => {
    const row = rowAt(index);
    if (row !== undefined) onOpen(row.key);
  };

  const loading = first === undefined || (first.isPending && first.data === undefined);
  return (
    <>
      <div className="list-header">
        <span className="list-count" data-testid="list-count">
          {loading ? "Loading…" : first?.isError && total === 0 ? "" : conversationCount(total)}
        </span>
      </div>
      {loading ? (
        <div className="row-scroll" aria-busy="true" aria-label="Loading conversations">
          {Array.from({ length: 8 }, (_, i) => (
            <div key={i} className="row row-skeleton static" aria-hidden="true" />
          ))}
        </div>
      ) : first?.isError && total === 0 ? (
        <p className="empty">Conversations could not be loaded.</p>
      ) : total === 0 ? (
        <p className="empty" data-testid="list-empty">
          No conversations here yet. Import mail with <code>helpr import</code> or connect Gmail.
        </p>
      ) : (
        <RowList
          ref={ref}
          label="Conversations"
          count={total}
          rowAt={rowAt}
          onRange={onRange}
          openKey={openThread}
          onOpen={open}
          selected={selected}
          onSelectedChange={onSelectedChange}
          rowTestId="conversation-row"
          assignedTo={assignedTo}
        />
      )}
    </>
  );
});
