// Component tests of Settings → Inboxes against the stand-in shell: Connect Gmail shows the
// consent link while core waits for Google and syncs the new inbox after; without a
// configuration file it asks for the OAuth client first; a sync's progress shows in the row;
// Disconnect asks first and then calls core.
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ConnectEvent, HelprApi, OAuthClientInput, SyncEvent, SyncOutcome } from "../api";
import { App } from "../app/App";
import { deferred, fakeApi } from "../test/fakeApi";

afterEach(cleanup);

describe("settings → inboxes", () => {
  it("connects Gmail: the consent link while waiting, then a sync of the new inbox with progress", async () => {
    const signedIn = deferred<string>();
    const synced = deferred<SyncOutcome[]>();
    let emit: (e: ConnectEvent) => void = () => undefined;
    let report: (e: SyncEvent) => void = () => undefined;
    const connectGmail = vi.fn((_c: OAuthClientInput | null, onEvent: (e: ConnectEvent) => void) => {
      emit = onEvent;
      return signedIn.promise;
    });
    const syncInboxes = vi.fn((address: string | null, onProgress: (e: SyncEvent) => void) => {
      if (address === null) return Promise.resolve([]);
      report = onProgress;
      return synced.promise;
    });
    render(<App api={fakeApi({ connectGmail, syncInboxes })} initialPath="/settings/inboxes" />);
    fireEvent.click(await screen.findByTestId("connect-gmail"));
    fireEvent.click(await screen.findByTestId("connect-start"));
    await waitFor(() => expect(connectGmail).toHaveBeenCalledWith(null, expect.any(Function)));
    emit({ kind: "consent", url: "https://accounts.example/o?state=1", opened: false });
    const link = await screen.findByTestId("consent-url");
    expect(link.getAttribute("href")).toBe("https://accounts.example/o?state=1");
    expect(screen.getByTestId("consent").textContent).toMatch(/Open this link/);

    signedIn.resolve("support@example.com");
    await waitFor(() => expect(syncInboxes).toHaveBeenCalledWith("support@example.com", expect.any(Function)));
    report({ address: "support@example.com", phase: "full_sync", done: 30, total: 120 });
    const rows = await screen.findAllByTestId("inbox-row");
    const row = rows.find((r) => r.dataset.address === "support@example.com") ?? rows[0];
    if (row === undefined) throw new Error("no inbox rows");
    await waitFor(() => expect(within(row).getByTestId("inbox-health-cell").textContent).toMatch(/Syncing 30 \/ 120/));
    expect(within(row).getByRole("progressbar")).toBeTruthy();
    synced.resolve([{ address: "support@example.com", error: null }]);
    await waitFor(() => expect(within(row).queryByRole("progressbar")).toBeNull());
  });

  it("Sync now says when the run is over, and why it failed", async () => {
    let outcome: SyncOutcome = { address: "support@example.com", error: null };
    const syncInboxes = vi.fn((address: string | null) => Promise.resolve(address === null ? [] : [outcome]));
    render(<App api={fakeApi({ syncInboxes })} initialPath="/settings/inboxes" />);
    fireEvent.click(await screen.findByTestId("sync-now"));
    await waitFor(() => expect(syncInboxes).toHaveBeenCalledWith("support@example.com", expect.any(Function)));
    expect(await screen.findByText("support@example.com synced")).toBeTruthy();
    outcome = { address: "support@example.com", error: { code: "offline", message: "Gmail cannot be reached" } };
    fireEvent.click(screen.getByTestId("sync-now"));
    expect(await screen.findByText("support@example.com could not sync: Gmail cannot be reached")).toBeTruthy();
  });

  it("asks for the OAuth client when no configuration names one", async () => {
    const connectGmail = vi.fn<HelprApi["connectGmail"]>(() => Promise.resolve("me@example.com"));
    render(<App api={fakeApi({ connectGmail, gmailSetup: () => Promise.resolve({ configured: false }) })} initialPath="/settings/inboxes" />);
    fireEvent.click(await screen.findByTestId("connect-gmail"));
    fireEvent.change(await screen.findByLabelText("Client ID"), { target: { value: " id-1.apps " } });
    fireEvent.change(screen.getByLabelText("Client secret"), { target: { value: "s3" } });
    fireEvent.click(screen.getByTestId("connect-start"));
    await waitFor(() =>
      expect(connectGmail).toHaveBeenCalledWith({ client_id: " id-1.apps ", client_secret: "s3" }, expect.any(Function)),
    );
  });

  it("disconnects only after asking", async () => {
    const disconnectInbox = vi.fn(() => Promise.resolve());
    render(<App api={fakeApi({ disconnectInbox })} initialPath="/settings/inboxes" />);
    fireEvent.click(await screen.findByTestId("disconnect"));
    expect(disconnectInbox).not.toHaveBeenCalled();
    fireEvent.click(await screen.findByTestId("disconnect-confirm"));
    await waitFor(() => expect(disconnectInbox).toHaveBeenCalledWith("support@example.com"));
    expect(await screen.findByText(/disconnected; its mail stays/)).toBeTruthy();
  });
});
