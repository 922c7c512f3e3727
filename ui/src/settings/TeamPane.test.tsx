// Component tests of team mode against the stand-in shell: signing in shows the certificate's
// fingerprint before anything is trusted, then the sign-in page's link while core waits; the
// sidebar lists exactly the shared inboxes of the status and drops one the moment an update
// says access changed; agents see no administration; an admin adds a member with a role.
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../app/App";
import type { SignInEvent, TeamInbox, TeamStatus, TeamUpdate } from "../team/api";
import { deferred, fakeApi, fakeTeamApi } from "../test/fakeApi";

afterEach(cleanup);

const FP = "AB:CD:EF:01";

function status(role: "owner" | "agent", inboxes: TeamStatus["inboxes"]): TeamStatus {
  return {
    server: "https://helpr.example:7443",
    fingerprint: FP,
    org: { id: 1, name: "Acme" },
    user: { id: 5, name: "Ada", email: "ada@example.test", role, teams: [] },
    session_id: 9,
    device: "laptop",
    last_seq: 12,
    inboxes,
    people: [],
  };
}

const support = {
  id: 10,
  name: "Support",
  access: { role: "agent" as const, via: "organization" as const, assigned_only: false },
  assigned_conversations: null,
  local_inbox: null,
  override_until: null,
};
const vip = {
  id: 11,
  name: "VIP",
  access: { role: "viewer" as const, via: "member" as const, assigned_only: true },
  assigned_conversations: 2,
  local_inbox: null,
  override_until: null,
};

describe("team mode", () => {
  it("signs in: the fingerprint first, then the sign-in page's link while core waits", async () => {
    const signedIn = deferred<TeamStatus>();
    let emit: (e: SignInEvent) => void = () => undefined;
    const probe = vi.fn(() => Promise.resolve(FP));
    const signIn = vi.fn((_s: string, _f: string | null, onEvent: (e: SignInEvent) => void) => {
      emit = onEvent;
      return signedIn.promise;
    });
    render(<App api={fakeApi({ team: fakeTeamApi({ probe, signIn }) })} initialPath="/settings/team" />);
    fireEvent.change(await screen.findByTestId("team-server"), { target: { value: " https://helpr.example:7443 " } });
    fireEvent.click(screen.getByTestId("team-check"));
    expect((await screen.findByTestId("team-fingerprint")).textContent).toBe(FP);
    expect(probe).toHaveBeenCalledWith("https://helpr.example:7443");
    expect(signIn).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId("team-trust"));
    await waitFor(() => expect(signIn).toHaveBeenCalledWith("https://helpr.example:7443", FP, expect.any(Function)));
    emit({ kind: "page", url: "https://helpr.example:7443/sign-in?state=1", opened: false });
    expect((await screen.findByTestId("team-sign-in-url")).getAttribute("href")).toBe(
      "https://helpr.example:7443/sign-in?state=1",
    );
    signedIn.resolve(status("agent", [support]));
    expect((await screen.findByTestId("team-status")).textContent).toMatch(/Signed in to Acme as Ada/);
    // An agent runs nothing.
    expect(screen.queryByTestId("team-users")).toBeNull();
  });

  it("the sidebar lists exactly the entitled inboxes and drops a lost one on the update", async () => {
    let current = status("agent", [support, vip]);
    let push: (u: TeamUpdate) => void = () => undefined;
    const team = fakeTeamApi({
      status: () => Promise.resolve(current),
      watch: (onUpdate) => {
        push = onUpdate;
        return () => undefined;
      },
    });
    render(<App api={fakeApi({ team })} initialPath="/" />);
    const section = await screen.findByTestId("team-section");
    await waitFor(() => expect(within(section).getAllByTestId("team-inbox")).toHaveLength(2));
    expect(within(section).getByText("view only, assigned to you")).toBeTruthy();
    current = status("agent", [support]);
    push({ kind: "applied", seq: 13, report: { removed_inboxes: [11], purged_messages: 0 } });
    await waitFor(() => expect(within(section).getAllByTestId("team-inbox")).toHaveLength(1));
    expect(within(section).getByText("Support")).toBeTruthy();
  });

  it("an admin adds a member to a shared inbox with a role", async () => {
    const inbox: TeamInbox = {
      id: 10,
      name: "Support",
      visibility: "restricted",
      teams: [],
      members: [],
      assigned_only: false,
      gmail_connected: true,
    };
    const setMember = vi.fn(() => Promise.resolve({ ...inbox, members: [{ user: 6, role: "viewer" as const, assigned_only: true }] }));
    const team = fakeTeamApi({
      status: () => Promise.resolve(status("owner", [])),
      users: () =>
        Promise.resolve([
          { id: 5, name: "Ada", email: "ada@example.test", role: "owner" as const, teams: [] },
          { id: 6, name: "Bob", email: "bob@example.test", role: "agent" as const, teams: [] },
        ]),
      inboxes: () => Promise.resolve([inbox]),
      setMember,
    });
    render(<App api={fakeApi({ team })} initialPath="/settings/team" />);
    const form = await screen.findByRole("form", { name: "Add a member to Support" });
    await waitFor(() => expect(within(form).getAllByRole("option").length).toBeGreaterThan(3));
    fireEvent.change(within(form).getByLabelText("Person"), { target: { value: "6" } });
    fireEvent.change(within(form).getByLabelText("Inbox role"), { target: { value: "viewer" } });
    fireEvent.click(within(form).getByRole("checkbox"));
    fireEvent.click(within(form).getByRole("button", { name: "Add member" }));
    await waitFor(() => expect(setMember).toHaveBeenCalledWith(10, 6, { role: "viewer", assigned_only: true }));
  });
});
