// The list pane while a search is shown: the hits (messages, best first or newest first), paged
// from core as the list scrolls near its end. Answers are keyed by query, so a slow answer to an
// older query is never shown for a newer one; a failed query (a malformed operator) keeps the
// last good hits on screen (or, for the first query, the list as it was) while the banner says
// why.
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { forwardRef, useCallback, useEffect, useRef } from "react";
import { toApiError, type MessageSummary, type SearchSort } from "../api";
import { useApi } from "../app/apiContext";
import type { ListPaneProps } from "../conversations/ConversationList";
import type { RowData } from "../conversations/ConversationRow";
import { memoByObject } from "../conversations/memo";
import { RowList, type RowListHandle } from "../conversations/RowList";
import { matchesLabel, mergePages, searchQuery, type SearchResults as Results } from "./search";

/** Fetch the next page when the last row in view is this close to the end. */
const PREFETCH_ROWS = 20;

interface Props extends ListPaneProps {
  query: string;
  sort: SearchSort;
  /** Shown instead when the very first query fails (a malformed one): the list as it was. */
  fallback: React.ReactNode;
}

function toRow(m: MessageSummary): RowData {
  return {
    key: m.thread_id,
    from: m.from,
    subject: m.subject,
    snippet: m.snippet,
    date: m.date,
    unread: m.unread,
    count: 1,
    hasAttachments: m.has_attachments,
    labels: [],
    kept: m.kept,
  };
}

/** A hit's row, made once per hit object. */
const rowOf = memoByObject(toRow);

export const SearchResults = forwardRef<RowListHandle, Props>(function SearchResults(
  { query, sort, openThread, onOpen, selected, onSelectedChange, onError, fallback },
  ref,
) {
  const api = useApi();
  const search = useInfiniteQuery({ ...searchQuery(api, query, sort), placeholderData: keepPreviousData });
  const lastGood = useRef<Results | null>(null);
  const results = search.data !== undefined ? mergePages(search.data.pages) : lastGood.current;
  if (search.data !== undefined && !search.isPlaceholderData) lastGood.current = results;
  useEffect(() => {
    if (search.error !== null) onError(toApiError(search.error));
  }, [search.error, onError]);

  const { hasNextPage, isFetchingNextPage, fetchNextPage } = search;
  const shown = results?.hits.length ?? 0;
  const onRange = useCallback(
    (_start: number, end: number) => {
      if (hasNextPage && !isFetchingNextPage && end >= shown - PREFETCH_ROWS) void fetchNextPage();
    },
    [fetchNextPage, hasNextPage, isFetchingNextPage, shown],
  );

  const searching = search.isFetching && !search.isFetchingNextPage && (search.isPlaceholderData || results === null);
  // For `cargo xtask bench desktop`: which query the list answers, and whether it is done.
  const state = search.isFetching && !search.isFetchingNextPage ? "searching" : "ready";
  const hits = results?.hits ?? [];
  if (results === null && search.isError) return fallback;
  return (
    <>
      <div className="list-header">
        <span className="list-count" data-testid="list-count" data-query={query} data-state={state}>
          {searching ? "Searching…" : results !== null ? matchesLabel(results) : ""}
        </span>
      </div>
      {results === null ? (
        <div className="row-scroll" aria-busy={searching} aria-label="Searching" />
      ) : hits.length === 0 ? (
        <p className="empty" data-testid="list-empty">
          No mail matches <code>{query}</code>.
        </p>
      ) : (
        <RowList
          ref={ref}
          label="Search results"
          count={hits.length}
          rowAt={(i) => {
            const hit = hits[i];
            return hit === undefined ? undefined : rowOf(hit);
          }}
          onRange={onRange}
          openKey={openThread}
          onOpen={(i) => {
            const hit = hits[i];
            if (hit !== undefined) onOpen(hit.thread_id);
          }}
          selected={selected}
          onSelectedChange={onSelectedChange}
          rowTestId="search-row"
        />
      )}
    </>
  );
});
