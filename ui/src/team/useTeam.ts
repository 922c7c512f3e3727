// The team's state in the window: the status (sign-in and entitled inboxes, as core last
// applied them) as a query, and the live connection's updates, which refresh it — and the
// sidebar, whose inboxes a purge may have emptied — the moment the server changes them.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { useApi } from "../app/apiContext";

export const TEAM_KEY = ["team"] as const;

export function useTeamStatus() {
  const api = useApi();
  return useQuery({ queryKey: TEAM_KEY, queryFn: () => api.team.status() });
}

/** Listens to the live connection for as long as the workspace is mounted. */
export function useTeamUpdates() {
  const api = useApi();
  const queryClient = useQueryClient();
  useEffect(
    () =>
      api.team.watch((update) => {
        if (update.kind === "presence" || update.kind === "connected" || update.kind === "disconnected") return;
        void queryClient.invalidateQueries({ queryKey: TEAM_KEY });
        void queryClient.invalidateQueries({ queryKey: ["team-admin"] });
        if (update.kind === "applied" && update.report.purged_messages > 0) void queryClient.invalidateQueries();
      }),
    [api, queryClient],
  );
}
