// The screen: top bar with the search box, error banner, the message list (all messages, or the
// hits of the search shown) on the left, the selected message on the right. State lives here and
// in `useSearch`; data comes only through the `HelprApi` passed in (the Tauri shell by default).
import { useCallback, useEffect, useRef, useState } from "react";
import {
  tauriApi,
  toApiError,
  type ApiError,
  type HelprApi,
  type MessageSummary,
  type MessageView,
} from "./api";
import { ErrorBanner } from "./ErrorBanner";
import { MessageList } from "./MessageList";
import { MessageReader } from "./MessageReader";
import { hasMore, matchesLabel, type SearchResults } from "./search";
import { SearchBox } from "./SearchBox";
import { useSearch, type SearchPending } from "./useSearch";

/** What the reader pane shows. */
type ReaderState =
  | { status: "idle" }
  | { status: "loading" }
  | { status: "loaded"; view: MessageView }
  | { status: "failed" };

interface Props {
  api?: HelprApi;
}

const READER_PLACEHOLDER = {
  idle: "Select a message to read it.",
  loading: "Loading…",
  failed: "This message could not be opened.",
} as const;

function countLabel(
  messages: readonly MessageSummary[] | "failed" | null,
  results: SearchResults | null,
  pending: SearchPending,
): string {
  if (pending === "search") return "Searching…";
  if (results !== null) return matchesLabel(results);
  if (messages === null) return "Loading…";
  if (messages === "failed") return "";
  return messages.length === 1 ? "1 message" : `${messages.length} messages`;
}

export function App({ api = tauriApi }: Props) {
  // null while loading; "failed" when the list could not be read (the banner says why).
  const [messages, setMessages] = useState<MessageSummary[] | "failed" | null>(null);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [reader, setReader] = useState<ReaderState>({ status: "idle" });
  const [error, setError] = useState<ApiError | null>(null);
  // The id of the latest `get_message` request; answers to older clicks are dropped.
  const latestRequest = useRef<number | null>(null);
  const search = useSearch(api, setError);

  const loadMessages = useCallback(() => {
    api.listMessages().then(
      (list) => {
        setMessages(list);
        setError(null);
      },
      (e: unknown) => {
        setMessages("failed");
        setError(toApiError(e));
      },
    );
  }, [api]);

  useEffect(loadMessages, [loadMessages]);

  const select = useCallback(
    (id: number) => {
      setSelectedId(id);
      setReader({ status: "loading" });
      latestRequest.current = id;
      api.getMessage(id).then(
        (view) => {
          if (latestRequest.current !== id) return;
          setReader({ status: "loaded", view });
          setError(null);
        },
        (e: unknown) => {
          if (latestRequest.current !== id) return;
          setReader({ status: "failed" });
          setError(toApiError(e));
        },
      );
    },
    [api],
  );

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">helpr</span>
        <SearchBox
          value={search.draft}
          sort={search.sort}
          active={search.results !== null}
          onChange={search.setDraft}
          onSubmit={search.submit}
          onClear={search.clear}
          onSortChange={search.changeSort}
        />
        <span className="count" data-testid="message-count">
          {countLabel(messages, search.results, search.pending)}
        </span>
        <button
          type="button"
          className="refresh"
          onClick={() => {
            loadMessages();
            search.refresh();
          }}
        >
          Refresh
        </button>
      </header>
      {error !== null ? <ErrorBanner error={error} onDismiss={() => setError(null)} /> : null}
      <main className="panes">
        <nav className="list-pane">
          {search.results !== null ? (
            <>
              <MessageList
                messages={search.results.hits}
                selectedId={selectedId}
                onSelect={select}
                emptyText="No messages match this search."
              />
              {hasMore(search.results) ? (
                <button
                  type="button"
                  className="load-more"
                  disabled={search.pending === "more"}
                  onClick={search.loadMore}
                >
                  {search.pending === "more" ? "Loading…" : "Load more"}
                </button>
              ) : null}
            </>
          ) : messages === "failed" ? (
            <p className="empty">Messages could not be loaded.</p>
          ) : messages !== null ? (
            <MessageList messages={messages} selectedId={selectedId} onSelect={select} />
          ) : null}
        </nav>
        <section className="reader-pane">
          {reader.status === "loaded" ? (
            <MessageReader message={reader.view} />
          ) : (
            <p className="empty">{READER_PLACEHOLDER[reader.status]}</p>
          )}
        </section>
      </main>
    </div>
  );
}
