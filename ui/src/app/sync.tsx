// Gmail sync from the window: one run at a time, started when the window finds a connected
// Gmail inbox, again every few minutes, and on request (Settings, after connecting). The
// sidebar shows progress from core's sync state (it polls); lists refresh when a run ends.
import { useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import type { SyncEvent, SyncOutcome } from "../api";
import { useSidebar } from "../sidebar/Sidebar";
import { useTeamStatus } from "../team/useTeam";
import { useApi } from "./apiContext";

/** How often connected inboxes are synced while the window is open. */
export const SYNC_EVERY_MS = 5 * 60_000;

export interface Sync {
  /** A run is under way. */
  running: boolean;
  /** The latest progress of each account in the run under way. */
  progress: Readonly<Record<string, SyncEvent>>;
  /** Syncs every connected inbox (or `address`) after the run under way, if any. */
  syncNow: (address?: string | null) => Promise<SyncOutcome[]>;
}

const SyncContext = createContext<Sync>({
  running: false,
  progress: {},
  syncNow: () => Promise.resolve([]),
});

export function useSync(): Sync {
  return useContext(SyncContext);
}

export function SyncProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [progress, setProgress] = useState<Record<string, SyncEvent>>({});
  const [runs, setRuns] = useState(0);
  const last = useRef<Promise<unknown>>(Promise.resolve());
  const sidebar = useSidebar();
  const team = useTeamStatus();
  // A connected Gmail inbox of this computer's, or shared inboxes granted by a team server
  // (their mail comes through the server; the first sync binds them).
  const connected =
    (sidebar.data?.some((i) => i.health?.account === "connected") ?? false) ||
    (team.data?.inboxes.length ?? 0) > 0;

  const syncNow = useCallback(
    (address: string | null = null) => {
      setRuns((n) => n + 1);
      const run = last.current
        .catch(() => undefined)
        .then(() => api.syncInboxes(address, (e) => setProgress((p) => ({ ...p, [e.address]: e }))));
      last.current = run;
      void run
        .then((outcomes) => {
          // Lists and counts move only when an account was synced.
          if (outcomes.length > 0) void queryClient.invalidateQueries();
        })
        .catch(() => undefined)
        .finally(() => {
          setRuns((n) => n - 1);
          setProgress({});
        });
      return run;
    },
    [api, queryClient],
  );

  // While a Gmail inbox is connected or shared: sync now, then every few minutes.
  useEffect(() => {
    if (!connected) return;
    const run = () => void syncNow().catch(() => undefined);
    const first = setTimeout(run, 0);
    const timer = setInterval(run, SYNC_EVERY_MS);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }, [connected, syncNow]);

  return <SyncContext.Provider value={{ running: runs > 0, progress, syncNow }}>{children}</SyncContext.Provider>;
}
