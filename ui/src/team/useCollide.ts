// Collision detection in the window: the hooks that read who is assigned (core's kept snapshot,
// refetched when the server says an assignment changed), who else views or writes in a
// conversation (the server's presence, kept in the query cache by `useTeamUpdates`), and the
// hooks that tell the server what the user views and writes. Outside team mode they answer
// "nobody" and tell nothing.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo } from "react";
import { useApi } from "../app/apiContext";
import type { ConversationRef } from "./api";
import { ASSIGNMENTS_KEY, NOBODY, PEOPLE_KEY, PRESENCE_KEY, presenceKey, type Presence } from "./collide";
import { useTeamStatus } from "./useTeam";

const EMPTY_ASSIGNMENTS: ReadonlyMap<number, readonly number[]> = new Map();

/** The signed-in user's id, or null outside team mode. */
export function useMe(): number | null {
  return useTeamStatus().data?.user.id ?? null;
}

/** Users' names by id: the organization's users as the server lists them, over the names the
 *  last snapshot kept (inbox members, assignees), which is all there is offline. */
export function usePeople(): ReadonlyMap<number, string> {
  const api = useApi();
  const status = useTeamStatus().data;
  const me = status?.user.id ?? null;
  const users = useQuery({
    queryKey: PEOPLE_KEY,
    queryFn: () => api.team.users(),
    enabled: me !== null,
    staleTime: 5 * 60_000,
    retry: false,
  });
  const kept = status?.people;
  // The server's list comes last: its names win.
  return useMemo(
    () => new Map([...(kept ?? []), ...(users.data ?? [])].map((p) => [p.id, p.name] as const)),
    [users.data, kept],
  );
}

/** Assignees by local thread id. */
export function useAssignments(): ReadonlyMap<number, readonly number[]> {
  const api = useApi();
  const me = useMe();
  const assignments = useQuery({
    queryKey: ASSIGNMENTS_KEY,
    queryFn: () => api.team.assignments(),
    enabled: me !== null,
  });
  return useMemo(
    () =>
      assignments.data === undefined
        ? EMPTY_ASSIGNMENTS
        : new Map(assignments.data.map((a) => [a.thread_id, a.assignees])),
    [assignments.data],
  );
}

/** The shared conversation a local thread is (null outside shared inboxes or team mode). */
export function useTeamConversation(threadId: number | null): ConversationRef | null {
  const api = useApi();
  const me = useMe();
  const conversation = useQuery({
    queryKey: ["team-conversation", threadId],
    queryFn: () => (threadId === null ? null : api.team.conversation(threadId)),
    enabled: me !== null && threadId !== null,
    staleTime: Infinity,
  });
  return conversation.data ?? null;
}

/** Who is in `conversation`, as the server last said (nobody when unknown). */
export function usePresence(conversation: ConversationRef | null): Presence {
  const queryClient = useQueryClient();
  const key = conversation === null ? [PRESENCE_KEY, null] : presenceKey(conversation);
  const presence = useQuery({
    queryKey: key,
    // The cache is the store: updates are set into it; reading it never resets it.
    queryFn: () => queryClient.getQueryData<Presence>(key) ?? NOBODY,
    enabled: conversation !== null,
    staleTime: Infinity,
  });
  return presence.data ?? NOBODY;
}

/** Tells the server the user has `conversation` open, and that they left it on unmount. */
export function useViewing(conversation: ConversationRef | null) {
  const api = useApi();
  const inbox = conversation?.inbox;
  const thread = conversation?.thread;
  useEffect(() => {
    if (inbox === undefined || thread === undefined) return;
    void api.team.viewing({ inbox, thread }).catch(() => undefined);
    return () => void api.team.viewing(null).catch(() => undefined);
  }, [api, inbox, thread]);
}

/** Tells the server the user writes a reply to `conversation` while mounted. */
export function useComposing(conversation: ConversationRef | null) {
  const api = useApi();
  const inbox = conversation?.inbox;
  const thread = conversation?.thread;
  useEffect(() => {
    if (inbox === undefined || thread === undefined) return;
    const c = { inbox, thread };
    void api.team.composing(c, true).catch(() => undefined);
    return () => void api.team.composing(c, false).catch(() => undefined);
  }, [api, inbox, thread]);
}
