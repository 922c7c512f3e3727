// The search state behind the top bar's SearchBox and the list pane: the draft query, the order,
// the results shown, and which request is in flight. Only the newest request's answer is applied,
// so a slow first page cannot overwrite a later search or a clear.
import { useCallback, useRef, useState } from "react";
import { toApiError, type ApiError, type HelprApi, type SearchSort } from "./api";
import { appendPage, firstPage, pageOptions, type SearchResults } from "./search";

/** What is in flight: a new search (first page), the next page, or nothing. */
export type SearchPending = "search" | "more" | null;

export interface SearchState {
  draft: string;
  setDraft: (value: string) => void;
  sort: SearchSort;
  /** null while the list pane shows the full list. */
  results: SearchResults | null;
  pending: SearchPending;
  /** Runs `query` from its first page; an empty query returns to the full list. */
  submit: (query: string) => void;
  /** Changes the order, re-running the search shown (if any) from its first page. */
  changeSort: (sort: SearchSort) => void;
  /** Appends the next page of the search shown. */
  loadMore: () => void;
  /** Back to the full list: empties the field and drops any answer still in flight. */
  clear: () => void;
  /** Re-runs the search shown from its first page (the Refresh button). */
  refresh: () => void;
}

/**
 * `report(null)` after every successful request clears the banner; `report(error)` shows it and
 * leaves the list as it was (a malformed query keeps the previous list on screen).
 */
export function useSearch(api: HelprApi, report: (error: ApiError | null) => void): SearchState {
  const [draft, setDraft] = useState("");
  const [sort, setSort] = useState<SearchSort>("date");
  const [results, setResults] = useState<SearchResults | null>(null);
  const [pending, setPending] = useState<SearchPending>(null);
  // Numbers every request; an answer is applied only if no request or clear came after it.
  const latest = useRef(0);

  const clear = useCallback(() => {
    latest.current += 1;
    setDraft("");
    setResults(null);
    setPending(null);
  }, []);

  const run = useCallback(
    (query: string, order: SearchSort) => {
      const trimmed = query.trim();
      if (trimmed === "") {
        clear();
        return;
      }
      const request = ++latest.current;
      setPending("search");
      api.searchMessages(trimmed, pageOptions(order)).then(
        (page) => {
          if (latest.current !== request) return;
          setResults(firstPage(trimmed, order, page));
          setPending(null);
          report(null);
        },
        (e: unknown) => {
          if (latest.current !== request) return;
          setPending(null);
          report(toApiError(e));
        },
      );
    },
    [api, clear, report],
  );

  const submit = useCallback((query: string) => run(query, sort), [run, sort]);

  const changeSort = useCallback(
    (order: SearchSort) => {
      setSort(order);
      if (results !== null && results.sort !== order) run(results.query, order);
    },
    [results, run],
  );

  const loadMore = useCallback(() => {
    if (results === null || pending !== null) return;
    const request = ++latest.current;
    setPending("more");
    api.searchMessages(results.query, pageOptions(results.sort, results.hits.length)).then(
      (page) => {
        if (latest.current !== request) return;
        setResults((shown) => (shown === null ? shown : appendPage(shown, page)));
        setPending(null);
        report(null);
      },
      (e: unknown) => {
        if (latest.current !== request) return;
        setPending(null);
        report(toApiError(e));
      },
    );
  }, [api, pending, report, results]);

  const refresh = useCallback(() => {
    if (results !== null) run(results.query, results.sort);
  }, [results, run]);

  return { draft, setDraft, sort, results, pending, submit, changeSort, loadMore, clear, refresh };
}
