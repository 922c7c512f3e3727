// Collision detection in the window, against the stand-in shell with a team connection the test
// drives: opening a shared conversation tells the team (and leaving it too), the thread and the
// list show its assignees and follow an assignment without a reload, the thread shows who else
// views and writes (not the user), a reply tells the team the user writes, and sending while
// another agent writes or after a newer message arrived asks first and sends only on confirm.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Draft, ThreadView } from "../api";
import { App } from "../app/App";
import { fakeApi, fakeTeamApi, threads, view } from "../test/fakeApi";
import type { AssignedConversation, ConversationRef, TeamStatus, TeamUpdate, TeamUser } from "./api";

afterEach(cleanup);

const SHARED: ConversationRef = { inbox: 10, thread: "g-1" };

function user(id: number, name: string): TeamUser {
  return { id, name, email: `${name.toLowerCase()}@example.test`, role: "agent", teams: [] };
}

const status: TeamStatus = {
  server: "https://helpr.example:7443",
  fingerprint: null,
  org: { id: 1, name: "Acme" },
  user: user(5, "Me"),
  session_id: 9,
  device: "laptop",
  last_seq: 12,
  inboxes: [],
  people: [],
};

/** A signed-in team whose conversation `g-1` is local thread 1; `send` pushes updates. With
 *  `offline`, the server's user list is out of reach and only the snapshot's names are known. */
function team(assigned: AssignedConversation[] = [], offline = false) {
  let listener: ((u: TeamUpdate) => void) | null = null;
  let assignments = assigned;
  const viewing = vi.fn<(c: ConversationRef | null) => Promise<void>>(() => Promise.resolve());
  const composing = vi.fn<(c: ConversationRef, active: boolean) => Promise<void>>(() => Promise.resolve());
  const api = fakeTeamApi({
    status: () =>
      Promise.resolve(offline ? { ...status, people: [{ id: 5, name: "Me" }, { id: 6, name: "Ada" }] } : status),
    watch: (onUpdate) => {
      listener = onUpdate;
      return () => {
        listener = null;
      };
    },
    conversation: (threadId) => Promise.resolve(threadId === 1 ? SHARED : null),
    assignments: () => Promise.resolve(assignments),
    users: () =>
      offline
        ? Promise.reject(new Error("team_unreachable: the team server does not answer"))
        : Promise.resolve([user(5, "Me"), user(6, "Ada"), user(7, "Bob")]),
    viewing,
    composing,
  });
  const send = (u: TeamUpdate) =>
    act(async () => {
      if (listener === null) throw new Error("nobody listens");
      listener(u);
      await Promise.resolve();
    });
  const assign = (assignees: number[]) => {
    assignments = [{ thread_id: 1, conversation: SHARED, assignees }];
    return send({ kind: "assignment", conversation: SHARED, assignees });
  };
  return { api, send, assign, viewing, composing };
}

describe("collision detection", () => {
  it("tells the team who views a shared conversation and shows who else does, live", async () => {
    const t = team();
    const { unmount } = render(<App api={fakeApi({ team: t.api })} initialPath="/?t=1" />);
    await screen.findByTestId("thread");
    await waitFor(() => expect(t.viewing).toHaveBeenCalledWith(SHARED));
    expect(screen.queryByTestId("thread-presence")).toBeNull();

    await t.send({ kind: "presence", conversation: SHARED, viewing: [5, 6], composing: [] });
    expect((await screen.findByTestId("thread-presence")).textContent).toBe("Ada is viewing");
    await t.send({ kind: "presence", conversation: SHARED, viewing: [5, 6, 7], composing: [7] });
    await waitFor(() =>
      expect(screen.getAllByTestId("thread-presence").map((e) => e.textContent)).toEqual([
        "Ada is viewing",
        "Bob is writing a reply",
      ]),
    );
    // Only the user is left: nothing is said.
    await t.send({ kind: "presence", conversation: SHARED, viewing: [5], composing: [] });
    await waitFor(() => expect(screen.queryByTestId("thread-presence")).toBeNull());
    // Another conversation's presence is not this one's.
    await t.send({ kind: "presence", conversation: { inbox: 10, thread: "g-2" }, viewing: [6], composing: [] });
    expect(screen.queryByTestId("thread-presence")).toBeNull();

    unmount();
    expect(t.viewing).toHaveBeenLastCalledWith(null);
  });

  it("tells nothing for a conversation outside the shared inboxes", async () => {
    const t = team();
    render(
      <App
        api={fakeApi({ team: t.api, thread: (id) => Promise.resolve({ ...threads[1], thread_id: id } as ThreadView) })}
        initialPath="/?t=2"
      />,
    );
    await screen.findByTestId("thread");
    await waitFor(() => expect(screen.getAllByTestId("conversation-row").length).toBeGreaterThan(0));
    expect(t.viewing).not.toHaveBeenCalled();
    expect(screen.queryByTestId("thread-team")).toBeNull();
  });

  it("names the assignees from the kept snapshot while the server is out of reach", async () => {
    const t = team([{ thread_id: 1, conversation: SHARED, assignees: [6, 7] }], true);
    render(<App api={fakeApi({ team: t.api })} initialPath="/?t=1" />);
    await waitFor(() =>
      expect(screen.getByTestId("thread-assignees").textContent).toBe("Assigned to Ada and A teammate"),
    );
  });

  it("shows the assignees in the thread and the list and follows an assignment", async () => {
    const t = team([{ thread_id: 1, conversation: SHARED, assignees: [6] }]);
    render(<App api={fakeApi({ team: t.api })} initialPath="/?t=1" />);
    expect((await screen.findByTestId("thread-assignees")).textContent).toBe("Assigned to Ada");
    const row = await screen.findByTestId("row-assignees");
    expect(row.textContent).toBe("Ada");
    expect(screen.getAllByTestId("row-assignees")).toHaveLength(1);

    await t.assign([6, 7]);
    await waitFor(() => expect(screen.getByTestId("thread-assignees").textContent).toBe("Assigned to Ada and Bob"));
    expect(screen.getByTestId("row-assignees").textContent).toBe("Ada and Bob");
    await t.assign([]);
    await waitFor(() => expect(screen.queryByTestId("thread-assignees")).toBeNull());
    expect(screen.queryByTestId("row-assignees")).toBeNull();
  });
});

describe("sending a reply in a shared conversation", () => {
  const draft: Draft = {
    id: null,
    from: "support@example.com",
    to: ["Ada Lovelace <ada@example.com>"],
    cc: [],
    bcc: [],
    subject: "Re: Quarterly report",
    body: "Thanks\n\n> Hello team,",
    reply_to: 11,
    attachments: [],
    updated_at: null,
  };

  function reply(t: ReturnType<typeof team>, thread: () => ThreadView = () => threads[1] as ThreadView) {
    const sendDraft = vi.fn(() => Promise.resolve({ id: 900, thread_id: 1, message_id: "<m@example.com>" }));
    const api = fakeApi({
      team: t.api,
      compose: () => Promise.resolve(draft),
      saveDraft: (d) => Promise.resolve({ ...d, id: d.id ?? 501, updated_at: 1 }),
      sendDraft,
      thread: () => Promise.resolve(thread()),
    });
    const rendered = render(<App api={api} initialPath="/?t=1" />);
    return { sendDraft, rendered };
  }

  async function openReply() {
    fireEvent.click(await screen.findByRole("button", { name: /^Reply$/ }));
    await screen.findByTestId("compose-body");
  }

  it("tells the team the user writes while the reply is open", async () => {
    const t = team();
    reply(t);
    await openReply();
    await waitFor(() => expect(t.composing).toHaveBeenCalledWith(SHARED, true));
    fireEvent.click(screen.getByRole("button", { name: "Discard draft" }));
    await waitFor(() => expect(t.composing).toHaveBeenLastCalledWith(SHARED, false));
  });

  it("asks first while another agent writes a reply, and sends only on confirm", async () => {
    const t = team();
    const { sendDraft } = reply(t);
    await openReply();
    await t.send({ kind: "presence", conversation: SHARED, viewing: [5, 7], composing: [5, 7] });
    fireEvent.click(screen.getByTestId("compose-send"));
    const question = await screen.findByTestId("send-question");
    expect(question.textContent).toContain("Bob is writing a reply to this conversation. Send anyway?");
    expect(sendDraft).not.toHaveBeenCalled();
    // Declined: nothing is sent, the reply stays.
    fireEvent.click(within(question).getByRole("button", { name: "Don't send" }));
    expect(screen.queryByTestId("send-question")).toBeNull();
    expect(sendDraft).not.toHaveBeenCalled();
    // Confirmed: sent.
    fireEvent.click(screen.getByTestId("compose-send"));
    fireEvent.click(await screen.findByTestId("send-anyway"));
    await waitFor(() => expect(sendDraft).toHaveBeenCalledTimes(1));
  });

  it("asks first when a newer message arrived after the reply opened", async () => {
    const t = team();
    let current = threads[1] as ThreadView;
    const { sendDraft } = reply(t, () => current);
    await openReply();
    current = { ...current, messages: [...current.messages, { ...view, id: 12, from: "Cy <cy@example.com>" }] };
    fireEvent.click(screen.getByTestId("compose-send"));
    expect((await screen.findByTestId("send-question")).textContent).toContain("A newer message arrived");
    expect(sendDraft).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId("send-anyway"));
    await waitFor(() => expect(sendDraft).toHaveBeenCalledTimes(1));
  });

  it("sends at once when nobody else writes and nothing arrived", async () => {
    const t = team();
    const { sendDraft } = reply(t);
    await openReply();
    await t.send({ kind: "presence", conversation: SHARED, viewing: [5, 6], composing: [5] });
    fireEvent.click(screen.getByTestId("compose-send"));
    await waitFor(() => expect(sendDraft).toHaveBeenCalledTimes(1));
    expect(screen.queryByTestId("send-question")).toBeNull();
  });
});
