// Secure email in the window: a conversation's protected threads as the vault keeps them (a
// query under `["secure", threadId]`, so the app-wide refresh after every sync refreshes it like
// the thread), whether a draft's From may send securely, a fetch of the server's status when a
// secured conversation opens (at most once a minute, across conversations), and revoke and
// unlock, whose answer replaces the thread's status in the cache.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect } from "react";
import { toApiError, type ApiError } from "../api";
import { useApi } from "../app/apiContext";
import { useSidebar } from "../sidebar/Sidebar";
import { useTeamStatus } from "../team/useTeam";
import type { SecureStatus, SecureView } from "./api";
import { isSharedAddress } from "./secure";

/** How often opening a secured conversation may ask the server for fresh status. */
export const SECURE_SYNC_EVERY_MS = 60_000;

const SYNC_KEY = ["secure-sync"] as const;

export function secureKey(threadId: number | null) {
  return ["secure", threadId] as const;
}

/** The protected threads of a local conversation (none for null). */
export function useSecureStatus(threadId: number | null) {
  const api = useApi();
  return useQuery({
    queryKey: secureKey(threadId),
    queryFn: () => (threadId === null ? Promise.resolve<SecureStatus[]>([]) : api.secure.status(threadId)),
    enabled: threadId !== null,
  });
}

/** Whether `from` is a shared team inbox, the only kind that sends securely. */
export function useSecureOffer(from: string | null): boolean {
  const sidebar = useSidebar();
  const team = useTeamStatus();
  return isSharedAddress(from, sidebar.data, team.data);
}

/**
 * While `wanted` (a secured conversation is open), asks the server for every protected thread's
 * status and new replies, unless that was done less than a minute ago. Answers the last
 * attempt's failure (offline, signed out), or null.
 */
export function useSecureSyncOnOpen(wanted: boolean): ApiError | null {
  const api = useApi();
  const queryClient = useQueryClient();
  // Observed, never fetched by itself: the effect below decides when (the app's refreshes
  // leave a disabled query alone).
  const sync = useQuery({ queryKey: SYNC_KEY, queryFn: () => api.secure.sync(), enabled: false });
  useEffect(() => {
    if (!wanted) return;
    const state = queryClient.getQueryState(SYNC_KEY);
    if (state?.fetchStatus === "fetching") return;
    const last = Math.max(state?.dataUpdatedAt ?? 0, state?.errorUpdatedAt ?? 0);
    if (Date.now() - last < SECURE_SYNC_EVERY_MS) return;
    queryClient
      .fetchQuery({ queryKey: SYNC_KEY, queryFn: () => api.secure.sync(), staleTime: 0 })
      .then((synced) =>
        // New replies are new messages: everything moves; otherwise only the statuses.
        synced.stored > 0 ? queryClient.invalidateQueries() : queryClient.invalidateQueries({ queryKey: ["secure"] }),
      )
      .catch(() => undefined);
  }, [api, queryClient, wanted]);
  return sync.error === null ? null : toApiError(sync.error);
}

/** Puts a revoke's or unlock's answer in place of the thread's kept status. */
export function useApplySecureView(threadId: number) {
  const queryClient = useQueryClient();
  return useCallback(
    (view: SecureView) =>
      queryClient.setQueryData<SecureStatus[]>(secureKey(threadId), (old) =>
        old?.map((s) => (s.id === view.id ? { ...s, status: view } : s)),
      ),
    [queryClient, threadId],
  );
}
