// The thread's secure-message panel against the stand-in shell: each reader's state in words
// (every read on expanding), the thread's expiry and opens, Unlock and Revoke calling core with
// the thread's id and the reader's number and showing core's answer, Revoke for everyone asking
// first, a failure reported in the banner with nothing changed, the server asked for fresh
// status on opening at most once a minute, and an ordinary conversation showing no panel.
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { HelprApi } from "../api";
import { App } from "../app/App";
import { fakeApi, fakeSecureApi } from "../test/fakeApi";
import { kept, local, secureView, sharedTeam } from "../test/fakeSecure";
import type { RecipientView, SecureApi, SecureView } from "./api";

beforeEach(() => {
  // Only the clock: "now" is 7 Dec 2026 10:00, local time; timers stay real.
  vi.useFakeTimers({ toFake: ["Date"], now: new Date(2026, 11, 7, 10, 0) });
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const readers: RecipientView[] = [
  { n: 0, address: "ada@example.com", state: "waiting", reads: [], locked_at: null },
  { n: 1, address: "bob@example.com", state: "read", reads: [local(2026, 12, 2, 8, 30), local(2026, 12, 3, 14, 2)], locked_at: null },
  { n: 2, address: "eve@example.com", state: "locked", reads: [], locked_at: local(2026, 12, 4, 11, 0) },
  { n: 3, address: "joe@example.com", state: "revoked", reads: [], locked_at: null },
];
const view = secureView({ max_opens: 3, recipients: readers });

/** Opens conversation 1, which holds `view`'s protected thread; waits for the panel and for
 *  the fresh status asked for on opening to have been read back. */
async function open(secure: Partial<SecureApi> = {}, overrides: Partial<HelprApi> = {}) {
  const status = vi.fn((threadId: number) => Promise.resolve(threadId === 1 ? [kept(view)] : []));
  const sync = vi.fn(() => Promise.resolve({ threads: 1, stored: 0 }));
  const api = fakeApi({ team: sharedTeam(2), secure: fakeSecureApi({ status, sync, ...secure }), ...overrides });
  render(<App api={api} initialPath="/?t=1" />);
  await screen.findByTestId("secure-panel");
  if (secure.sync === undefined && secure.status === undefined) await waitFor(() => expect(status).toHaveBeenCalledTimes(2));
  return { status, sync };
}

function reader(address: string) {
  return screen.getAllByTestId("secure-reader").find((li) => li.dataset.address === address)!;
}

const stateOf = (address: string) => within(reader(address)).getByTestId("secure-reader-state").textContent;

describe("the secure message panel", () => {
  it("says when the thread expires, the opens allowed, and where each reader stands", async () => {
    await open();
    expect(screen.getByTestId("secure-expiry").textContent).toBe("Expires 4 Jan 2027 10:00");
    expect(screen.getByTestId("secure-opens").textContent).toBe("3 opens per reader");
    expect(stateOf("ada@example.com")).toBe("Not opened yet");
    expect(stateOf("bob@example.com")).toBe("Read 3 Dec 14:02 · 2 of 3 opens");
    expect(stateOf("eve@example.com")).toBe("Locked out after too many wrong codes");
    expect(stateOf("joe@example.com")).toBe("Access revoked");

    // Every read: on hover, and listed on expanding.
    const bob = reader("bob@example.com");
    expect(within(bob).getByTestId("secure-reader-state").getAttribute("title")).toBe("Read 2 Dec 08:30, 3 Dec 14:02");
    fireEvent.click(within(bob).getByRole("button", { name: "All 2 reads" }));
    const reads = within(bob).getByRole("list", { name: "Reads by bob@example.com" });
    expect(within(reads).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["2 Dec 08:30", "3 Dec 14:02"]);

    // Unlock only for the locked-out reader; no Revoke for one already revoked.
    expect(screen.getAllByTestId("secure-unlock").map((b) => b.getAttribute("aria-label"))).toEqual(["Unlock eve@example.com"]);
    expect(within(reader("joe@example.com")).queryByRole("button")).toBeNull();
  });

  it("unlocks a locked-out reader and shows core's answer", async () => {
    const unlock = vi.fn((id: string, n: number) =>
      Promise.resolve<SecureView>({
        ...view,
        id,
        recipients: readers.map((r) => (r.n === n ? { ...r, state: "waiting", locked_at: null } : r)),
      }),
    );
    await open({ unlock });
    fireEvent.click(screen.getByRole("button", { name: "Unlock eve@example.com" }));
    await waitFor(() => expect(unlock).toHaveBeenCalledWith(view.id, 2));
    await waitFor(() => expect(stateOf("eve@example.com")).toBe("Not opened yet"));
    expect(screen.queryByTestId("secure-unlock")).toBeNull();
    expect(await screen.findByText("eve@example.com can ask for a new code")).toBeTruthy();
  });

  it("revokes one reader and shows core's answer", async () => {
    const revoke = vi.fn((id: string, n: number | null) =>
      Promise.resolve<SecureView>({ ...view, id, recipients: readers.map((r) => (r.n === n ? { ...r, state: "revoked" } : r)) }),
    );
    await open({ revoke });
    fireEvent.click(screen.getByRole("button", { name: "Revoke bob@example.com" }));
    await waitFor(() => expect(revoke).toHaveBeenCalledWith(view.id, 1));
    await waitFor(() => expect(stateOf("bob@example.com")).toBe("Access revoked"));
    expect(within(reader("bob@example.com")).queryByRole("button", { name: /Revoke/ })).toBeNull();
    expect(revoke).toHaveBeenCalledTimes(1);
  });

  it("asks before revoking for everyone, then closes the thread", async () => {
    const revoke = vi.fn((id: string) =>
      Promise.resolve<SecureView>({ ...view, id, revoked: true, recipients: readers.map((r) => ({ ...r, state: "revoked" })) }),
    );
    await open({ revoke });
    fireEvent.click(screen.getByTestId("secure-revoke-all"));
    const question = screen.getByRole("alertdialog", { name: "Revoke for everyone?" });
    expect(question.textContent).toContain("even for someone who copied it");
    expect(revoke).not.toHaveBeenCalled();
    fireEvent.click(within(question).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(revoke).not.toHaveBeenCalled();

    fireEvent.click(screen.getByTestId("secure-revoke-all"));
    fireEvent.click(screen.getByTestId("secure-revoke-all-confirm"));
    await waitFor(() => expect(revoke).toHaveBeenCalledWith(view.id, null));
    await waitFor(() => expect(screen.getByTestId("secure-expiry").textContent).toBe("Revoked"));
    expect(within(screen.getByTestId("secure-panel")).queryAllByRole("button", { name: /Revoke|Unlock/ })).toEqual([]);
  });

  it("reports an action the team server did not get, and changes nothing", async () => {
    const revoke = vi.fn(() => Promise.reject({ code: "team_unreachable", message: "error sending request" }));
    await open({ revoke });
    fireEvent.click(screen.getByRole("button", { name: "Revoke ada@example.com" }));
    const banner = await screen.findByTestId("error-banner");
    expect(banner.dataset.code).toBe("team_unreachable");
    expect(banner.textContent).toContain("could not be reached, so the revoke did not happen");
    expect(stateOf("ada@example.com")).toBe("Not opened yet");
  });

  it("shows the kept status when the server cannot be reached, and the unknown status plainly", async () => {
    const sync = vi.fn(() => Promise.reject({ code: "team_unreachable", message: "the team server does not answer" }));
    await open({ sync });
    expect((await screen.findByTestId("secure-offline")).textContent).toContain("the team server does not answer");
    expect(stateOf("ada@example.com")).toBe("Not opened yet");
    cleanup();

    await open({ status: () => Promise.resolve([kept(null, "never-synced")]) });
    expect(screen.getByTestId("secure-unknown").textContent).toMatch(/not fetched yet/);
    expect(screen.getByTestId("secure-revoke-all")).toBeTruthy();
  });

  it("asks the server for fresh status on opening, at most once a minute", async () => {
    const { sync, status } = await open();
    expect(sync).toHaveBeenCalledTimes(1);
    fireEvent.click(screen.getByRole("button", { name: "Close conversation" }));
    await waitFor(() => expect(screen.queryByTestId("thread")).toBeNull());
    fireEvent.click((await screen.findAllByTestId("conversation-row"))[0]!);
    await screen.findByTestId("secure-panel");
    await waitFor(() => expect(status.mock.calls.length).toBeGreaterThan(2));
    expect(sync).toHaveBeenCalledTimes(1);

    vi.setSystemTime(new Date(2026, 11, 7, 10, 2));
    fireEvent.click(screen.getByRole("button", { name: "Close conversation" }));
    fireEvent.click((await screen.findAllByTestId("conversation-row"))[0]!);
    await waitFor(() => expect(sync).toHaveBeenCalledTimes(2));
  });

  it("shows nothing in a conversation without a protected thread", async () => {
    const sync = vi.fn(() => Promise.resolve({ threads: 0, stored: 0 }));
    render(<App api={fakeApi({ team: sharedTeam(2), secure: fakeSecureApi({ sync }) })} initialPath="/?t=1" />);
    await screen.findByTestId("thread");
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByTestId("secure-panel")).toBeNull();
    expect(sync).not.toHaveBeenCalled();
  });
});
