// The window: providers (the shell API, TanStack Query, the router) and the workspace. The
// workspace is three panes: the sidebar, the list (conversations of the route, or the hits of
// the search in `?q=`) and the open conversation (`?t=`). Everything it shows comes from core
// through the `HelprApi` in context; the URL holds where the user is, so Back works.
import { QueryClient, QueryClientProvider, useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import {
  HashRouter,
  MemoryRouter,
  Navigate,
  Route,
  Routes,
  useLocation,
  useNavigate,
  useParams,
  useSearchParams,
} from "react-router";
import { tauriApi, toApiError, type ApiError, type ComposeMode, type HelprApi, type SearchSort, type SentView } from "../api";
import { Compose } from "../compose/Compose";
import { LabelMenu } from "../labels/LabelMenu";
import { ConversationList } from "../conversations/ConversationList";
import type { RowListHandle } from "../conversations/RowList";
import { SearchBox } from "../search/SearchBox";
import { SearchResults } from "../search/SearchResults";
import { SEARCH_DEBOUNCE_MS, searchQuery } from "../search/search";
import { Settings } from "../settings/Settings";
import { labelName } from "../sidebar/health";
import { Sidebar, useSidebar } from "../sidebar/Sidebar";
import { useTeamUpdates } from "../team/useTeam";
import { TrashView } from "../trash/TrashView";
import { ThreadView } from "../thread/ThreadView";
import { ApiContext, useApi } from "./apiContext";
import { CheatSheet } from "./CheatSheet";
import { ErrorBanner } from "./ErrorBanner";
import { Panes, WindowLayout } from "./Layout";
import { LockedScreen } from "./LockedScreen";
import { SyncProvider } from "./sync";
import { Toast, type ToastMessage } from "./Toast";
import { parseId, routeOf, withParam } from "./route";

/** Codes that mean the vault is not open at all: the locked screen instead of the workspace. */
const LOCKED_CODES = new Set(["vault_locked", "not_initialized"]);

interface Props {
  api?: HelprApi;
  /** Start in memory at this path instead of the window's URL hash (component tests). */
  initialPath?: string;
}

function newQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } },
  });
}

export function App({ api = tauriApi, initialPath }: Props) {
  const [client] = useState(newQueryClient);
  const routes = (
    <Routes>
      <Route element={<Workspace />}>
        <Route path="/" element={null} />
        <Route path="/inbox/:inboxId" element={null} />
        <Route path="/inbox/:inboxId/label/:labelId" element={null} />
        <Route path="/trash" element={null} />
      </Route>
      <Route path="/settings" element={<Navigate to="/settings/security" replace />} />
      <Route path="/settings/:section" element={<Settings />} />
      <Route path="*" element={<Navigate to="/" replace />} />
    </Routes>
  );
  const router: ReactNode =
    initialPath === undefined ? (
      <HashRouter>{routes}</HashRouter>
    ) : (
      <MemoryRouter initialEntries={[initialPath]}>{routes}</MemoryRouter>
    );
  return (
    <ApiContext.Provider value={api}>
      <QueryClientProvider client={client}>
        <SyncProvider>{router}</SyncProvider>
      </QueryClientProvider>
    </ApiContext.Provider>
  );
}

/** Whether a key press belongs to a text field (shortcuts leave those alone). */
function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/** The toast after a delete: how many, and Gmail's part when it could not be reached. */
export function deletedText(conversations: number, gmailPending: number): string {
  const what = conversations === 1 ? "Conversation moved to Trash" : `${conversations} conversations moved to Trash`;
  return gmailPending > 0 ? `${what} (Gmail's Trash follows when Gmail can be reached)` : what;
}

/** What the composer is writing: a new message, or an answer to one message. */
interface Composing {
  mode: ComposeMode;
  of: number | null;
}

function Workspace() {
  const route = routeOf(useParams());
  const inTrash = useLocation().pathname === "/trash";
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const query = params.get("q") ?? "";
  const openThread = parseId(params.get("t"));
  const [draft, setDraft] = useState(query);
  const [sort, setSort] = useState<SearchSort>("date");
  const [error, setError] = useState<ApiError | null>(null);
  const [selected, setSelected] = useState<Set<number>>(() => new Set());
  const [help, setHelp] = useState(false);
  const [toast, setToast] = useState<ToastMessage | null>(null);
  const [composing, setComposing] = useState<Composing | null>(null);
  /** The conversations the label menu acts on, with their labels when it opened. */
  const [labelling, setLabelling] = useState<{ ids: number[]; labels: (readonly string[])[] } | null>(null);
  const api = useApi();
  const listRef = useRef<RowListHandle>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const pendingG = useRef(0);
  const sidebar = useSidebar();
  useTeamUpdates();

  // Back/Forward changed the query: the field follows. Not when the URL now holds what the
  // user's own typing sent: the navigation lands after any keys typed since (a transition), and
  // putting its older text back in the field would drop those keys. Adjusted while rendering,
  // as React recommends for state derived from a changed value.
  const [seenQuery, setSeenQuery] = useState(query);
  const [sentQuery, setSentQuery] = useState<string | null>(null);
  if (seenQuery !== query) {
    setSeenQuery(query);
    if (query === sentQuery) setSentQuery(null);
    else if (draft.trim() !== query) setDraft(query);
  }

  // Another conversation closes an answer to the previous one (its draft is kept).
  const [seenThread, setSeenThread] = useState(openThread);
  if (seenThread !== openThread) {
    setSeenThread(openThread);
    if (composing !== null && composing.mode !== "new") setComposing(null);
  }

  // A new list (route or search) starts a new selection and a clean banner.
  const listKey = `${route.inbox}/${route.label}/${query}/${sort}`;
  const [seenList, setSeenList] = useState(listKey);
  if (seenList !== listKey) {
    setSeenList(listKey);
    setSelected(new Set());
    setError(null);
  }

  const runSearch = useCallback(
    (text: string) => {
      const next = text.trim();
      if (next === query) return;
      setSentQuery(next);
      // Core answers while the results pane renders (the first keystroke swaps the whole pane).
      if (next !== "") void queryClient.prefetchInfiniteQuery(searchQuery(api, next, sort));
      // The first search of a list pushes (Back returns to the list); refining it replaces.
      setParams((p) => withParam(withParam(p, "q", next), "t", null), { replace: query !== "" && next !== "" });
    },
    [api, query, queryClient, setParams, sort],
  );

  // Results as you type: the query runs once typing pauses.
  useEffect(() => {
    if (draft.trim() === query) return;
    const timer = setTimeout(() => runSearch(draft), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [draft, query, runSearch]);

  const clearSearch = useCallback(() => {
    setDraft("");
    runSearch("");
  }, [runSearch]);
  const openConversation = useCallback(
    (threadId: number) => setParams((p) => withParam(p, "t", String(threadId))),
    [setParams],
  );
  const closeConversation = useCallback(() => {
    setParams((p) => withParam(p, "t", null));
    listRef.current?.focus();
  }, [setParams]);
  const report = useCallback((e: ApiError) => setError(e), []);
  const say = useCallback((text: string, action?: ToastMessage["action"]) => {
    setToast(action === undefined ? { id: Date.now(), text } : { id: Date.now(), text, action });
  }, []);
  const refreshAll = useCallback(() => void queryClient.invalidateQueries(), [queryClient]);
  const sent = useCallback(
    (view: SentView) => {
      setComposing(null);
      refreshAll();
      say("Message sent");
      setParams((p) => withParam(p, "t", String(view.thread_id)));
    },
    [refreshAll, say, setParams],
  );
  /** r / a / f: answer the open conversation's newest message. */
  const answerLatest = useCallback(
    (mode: ComposeMode) => {
      if (openThread === null) return;
      const latest = queryClient.getQueryData<{ messages: { id: number }[] }>(["thread", openThread])?.messages.at(-1);
      if (latest !== undefined) setComposing({ mode, of: latest.id });
    },
    [openThread, queryClient],
  );

  const restore = useMutation({
    mutationFn: (ids: number[]) => api.restoreConversations(ids),
    onSuccess: (r) => {
      refreshAll();
      say(r.restored.length === 1 ? "Message restored" : `${r.restored.length} messages restored`);
    },
    onError: (e) => report(toApiError(e)),
  });
  const lastDeleted = useRef<number[] | null>(null);
  const remove = useMutation({
    mutationFn: (ids: number[]) => api.deleteConversations(ids),
    onSuccess: (deleted, ids) => {
      lastDeleted.current = ids;
      setSelected(new Set());
      if (openThread !== null && ids.includes(openThread)) setParams((p) => withParam(p, "t", null));
      refreshAll();
      say(deletedText(ids.length, deleted.gmail_pending), { label: "Undo", run: () => restore.mutate(ids) });
    },
    onError: (e) => report(toApiError(e)),
  });
  /** What a key acts on: the selection, else the open conversation, else the one under the cursor. */
  const currentIds = useCallback((): number[] => {
    const cursor = listRef.current?.activeKey() ?? null;
    return selected.size > 0 ? [...selected] : openThread !== null ? [openThread] : cursor !== null ? [cursor] : [];
  }, [openThread, selected]);
  const deleteCurrent = useCallback(() => {
    const ids = currentIds();
    if (ids.length > 0) remove.mutate(ids);
  }, [currentIds, remove]);
  const mark = useMutation({
    mutationFn: ({ ids, read }: { ids: number[]; read: boolean }) => api.markConversations(ids, read),
    onSuccess: (_marked, { ids, read }) => {
      // Marking the open conversation unread closes it, or opening it would mark it read again.
      if (!read && openThread !== null && ids.includes(openThread)) setParams((p) => withParam(p, "t", null));
      void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] !== "thread" });
      say(read ? "Marked read" : "Marked unread");
    },
    onError: (e) => report(toApiError(e)),
  });
  const markCurrent = useCallback(
    (read: boolean) => {
      const ids = currentIds();
      if (ids.length > 0) mark.mutate({ ids, read });
    },
    [currentIds, mark],
  );
  /** l: the label menu over the selection, else the open conversation, else the cursor's. */
  const labelCurrent = useCallback(() => {
    const ids = currentIds();
    if (ids.length === 0) return;
    const rows = new Map((listRef.current?.rowsWithKeys(ids) ?? []).map((r) => [r.key, r.labels]));
    const labels = ids.map((id) => {
      const thread = queryClient.getQueryData<{ messages: { labels: string[] }[] }>(["thread", id]);
      return thread !== undefined ? [...new Set(thread.messages.flatMap((m) => m.labels))] : (rows.get(id) ?? []);
    });
    setLabelling({ ids, labels });
  }, [currentIds, queryClient]);
  const changeLabel = useCallback(
    async (ids: number[], name: string, apply: boolean) => {
      try {
        const done = await api.labelConversations(ids, name, apply);
        refreshAll();
        const shown = labelName(name) ?? name;
        const what = apply ? `Labelled “${shown}”` : `“${shown}” removed`;
        say(done.gmail_pending > 0 ? `${what} (Gmail follows when it can be reached)` : what);
      } catch (e) {
        report(toApiError(e));
        throw e;
      }
    },
    [api, refreshAll, report, say],
  );
  const knownLabels = (sidebar.data ?? []).flatMap((inbox) => inbox.labels.map((l) => l.name));
  const undo = useCallback(() => {
    if (lastDeleted.current !== null) {
      restore.mutate(lastDeleted.current);
      lastDeleted.current = null;
    }
  }, [restore]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      if (typing(event.target) || document.querySelector("dialog[open]") !== null) return;
      const g = Date.now() - pendingG.current < 1_000;
      pendingG.current = 0;
      const actions: Record<string, () => void> = {
        "/": () => searchRef.current?.focus(),
        "?": () => setHelp(true),
        j: () => {
          listRef.current?.focus();
          listRef.current?.move(1);
        },
        k: () => {
          listRef.current?.focus();
          listRef.current?.move(-1);
        },
        o: () => listRef.current?.openActive(),
        Escape: () => (openThread !== null ? closeConversation() : query !== "" ? clearSearch() : undefined),
        g: () => {
          pendingG.current = Date.now();
        },
        i: () => {
          if (g) void navigate("/");
        },
        t: () => {
          if (g) void navigate("/trash");
        },
        s: () => {
          if (g) void navigate("/settings/security");
        },
        "#": deleteCurrent,
        z: undo,
        c: () => setComposing({ mode: "new", of: null }),
        U: () => markCurrent(false),
        l: labelCurrent,
        I: () => markCurrent(true),
        r: () => answerLatest("reply"),
        a: () => answerLatest("reply_all"),
        f: () => answerLatest("forward"),
      };
      const action = actions[event.key];
      if (action !== undefined) {
        event.preventDefault();
        action();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [answerLatest, clearSearch, closeConversation, deleteCurrent, labelCurrent, markCurrent, navigate, openThread, query, undo]);

  const sidebarError = sidebar.error === null ? null : toApiError(sidebar.error);
  if (sidebarError !== null && LOCKED_CODES.has(sidebarError.code)) {
    return (
      <LockedScreen
        error={sidebarError}
        retrying={sidebar.isFetching}
        onRetry={() => void queryClient.invalidateQueries()}
      />
    );
  }

  const listProps = {
    ref: listRef,
    openThread,
    onOpen: openConversation,
    selected,
    onSelectedChange: setSelected,
    onError: report,
  };
  const listPane = (
    <section className="list-pane" aria-label={query !== "" ? "Search results" : "Conversation list"}>
      {selected.size > 0 ? (
        <div className="selection-bar" role="status">
          {selected.size} selected
          <button type="button" className="button small" onClick={() => remove.mutate([...selected])}>
            Delete
          </button>
          <button type="button" className="button small" onClick={() => markCurrent(true)}>
            Mark read
          </button>
          <button type="button" className="button small" onClick={() => markCurrent(false)}>
            Mark unread
          </button>
          <button type="button" className="button small" onClick={labelCurrent}>
            Label
          </button>
          <button type="button" className="link-button" onClick={() => setSelected(new Set())}>
            Clear
          </button>
        </div>
      ) : null}
      {inTrash ? (
        <TrashView onError={report} onDone={(text) => say(text)} />
      ) : query !== "" ? (
        <SearchResults
          key="search"
          query={query}
          sort={sort}
          {...listProps}
          fallback={<ConversationList key="list" route={route} {...listProps} />}
        />
      ) : (
        <ConversationList key="list" route={route} {...listProps} />
      )}
    </section>
  );
  const threadPane = (
    <section className="thread-pane" aria-label="Reading pane">
      {composing?.mode === "new" ? null : openThread !== null ? (
        <ThreadView
          key={openThread}
          threadId={openThread}
          onClose={closeConversation}
          onDelete={() => remove.mutate([openThread])}
          onCompose={(mode, of) => setComposing({ mode, of })}
          onMarkUnread={() => mark.mutate({ ids: [openThread], read: false })}
          onLabel={labelCurrent}
          onError={report}
          onNotice={say}
        />
      ) : (
        <p className="empty">Select a conversation to read it. Press ? for shortcuts.</p>
      )}
      {composing !== null ? (
        <Compose
          key={`${composing.mode}/${composing.of ?? "new"}`}
          mode={composing.mode}
          of={composing.of}
          threadId={composing.mode === "new" ? null : openThread}
          inboxInView={route.inbox}
          onClose={() => setComposing(null)}
          onSent={sent}
          onError={report}
        />
      ) : null}
    </section>
  );
  return (
    <>
      <WindowLayout className={`app${openThread !== null || composing !== null ? " thread-open" : ""}`} sidebar={<Sidebar />}>
      <div className="workspace">
        <header className="topbar">
          <SearchBox
            ref={searchRef}
            value={draft}
            sort={sort}
            active={query !== ""}
            onChange={setDraft}
            onSubmit={runSearch}
            onClear={clearSearch}
            onSortChange={setSort}
            onLeave={() => listRef.current?.focus()}
          />
          <button type="button" className="button primary" title="New message (c)" data-testid="compose-new" onClick={() => setComposing({ mode: "new", of: null })}>
            New message
          </button>
          <button type="button" className="icon-button help-button" aria-label="Keyboard shortcuts" onClick={() => setHelp(true)}>
            ?
          </button>
        </header>
        {error !== null ? <ErrorBanner error={error} onDismiss={() => setError(null)} /> : null}
        <Panes list={listPane} thread={threadPane} />
      </div>
      </WindowLayout>
      {help ? <CheatSheet onClose={() => setHelp(false)} /> : null}
      {labelling !== null ? (
        <LabelMenu
          targets={labelling.labels}
          known={knownLabels}
          onChange={(name, apply) => changeLabel(labelling.ids, name, apply)}
          onClose={() => setLabelling(null)}
        />
      ) : null}
      {toast !== null ? <Toast toast={toast} onDone={() => setToast(null)} /> : null}
    </>
  );
}
