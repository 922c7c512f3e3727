// The team's state in the window: the status (sign-in and entitled inboxes, as core last
// applied them) as a query, and the live connection's updates, which refresh it — and the
// sidebar, whose inboxes a purge may have emptied — the moment the server changes them. Presence
// goes into the query cache per conversation (cleared when the connection drops); an assignment
// refetches who is assigned.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { useApi } from "../app/apiContext";
import { useSync } from "../app/sync";
import type { TeamUpdate } from "./api";
import { ASSIGNMENTS_KEY, NOBODY, PEOPLE_KEY, PRESENCE_KEY, presenceKey } from "./collide";

export const TEAM_KEY = ["team"] as const;

export function useTeamStatus() {
  const api = useApi();
  return useQuery({ queryKey: TEAM_KEY, queryFn: () => api.team.status() });
}

/**
 * Whether an update asks for a sync: a snapshot applied (a shared inbox may have been granted,
 * and what is shown is re-checked on reconnect) or conversations changed at Gmail.
 */
export function wantsSync(update: TeamUpdate): boolean {
  return update.kind === "applied" || update.kind === "conversations";
}

/** Listens to the live connection for as long as the workspace is mounted. */
export function useTeamUpdates() {
  const api = useApi();
  const queryClient = useQueryClient();
  const { syncNow } = useSync();
  useEffect(
    () =>
      api.team.watch((update) => {
        if (wantsSync(update)) void syncNow().catch(() => undefined);
        if (update.kind === "presence") {
          queryClient.setQueryData(presenceKey(update.conversation), {
            viewing: update.viewing,
            composing: update.composing,
          });
          return;
        }
        if (update.kind === "disconnected" || update.kind === "signed_out") {
          queryClient.setQueriesData({ queryKey: [PRESENCE_KEY] }, NOBODY);
        }
        if (update.kind !== "disconnected") void queryClient.invalidateQueries({ queryKey: ASSIGNMENTS_KEY });
        if (update.kind === "organization") void queryClient.invalidateQueries({ queryKey: PEOPLE_KEY });
        if (update.kind === "connected" || update.kind === "disconnected") return;
        void queryClient.invalidateQueries({ queryKey: TEAM_KEY });
        void queryClient.invalidateQueries({ queryKey: ["team-admin"] });
        if (update.kind === "applied" && update.report.purged_messages > 0) void queryClient.invalidateQueries();
      }),
    [api, queryClient, syncNow],
  );
}
