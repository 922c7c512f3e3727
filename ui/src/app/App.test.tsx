// Component tests of the workspace: the sidebar's inboxes, health and labels; the conversation
// list paged from core and filtered by the route; opening a conversation (click, keyboard) into
// the thread pane and closing it; the locked screen; command errors in the banner.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ConversationQuery } from "../api";
import { conversation, fakeApi, pagedConversations } from "../test/fakeApi";
import { App } from "./App";

afterEach(cleanup);

function rowSubjects(testId = "conversation-row"): string[] {
  return screen.queryAllByTestId(testId).map((row) => row.querySelector(".row-subject")?.textContent ?? "");
}

describe("workspace", () => {
  it("lists every inbox with unread counts, health and its labels, system ones named", async () => {
    render(<App api={fakeApi()} initialPath="/" />);
    const entries = await screen.findAllByTestId("sidebar-inbox");
    expect(entries).toHaveLength(2);
    expect(entries[0]?.textContent).toContain("Imported mail");
    expect(within(entries[0]!).getByLabelText("1 unread")).toBeTruthy();
    expect(within(entries[0]!).queryByTestId("inbox-health")).toBeNull();
    const health = within(entries[1]!).getByTestId("inbox-health");
    expect(health.getAttribute("data-kind")).toBe("syncing");
    expect(health.textContent).toContain("Syncing 120 / 4,000");
    expect(within(health).getByRole("progressbar")).toBeTruthy();
    const labels = within(entries[1]!).getByRole("list", { name: "Labels of support@example.com" });
    expect(within(labels).getAllByRole("link").map((l) => l.textContent)).toEqual(["Inbox", "Invoices"]);
  });

  it("shows the newest conversations with sender, count, chips and the total", async () => {
    render(<App api={fakeApi()} initialPath="/" />);
    await waitFor(() => expect(rowSubjects()).toEqual(["Quarterly report", "(no subject)", "Welcome to support"]));
    const [first, second] = screen.getAllByTestId("conversation-row");
    expect(first?.textContent).toContain("Ada Lovelace");
    expect(first?.classList.contains("unread")).toBe(true);
    expect(first?.querySelector(".row-count")?.textContent).toBe("2");
    expect(within(first!).getByText("Invoices")).toBeTruthy();
    expect(within(first!).getByRole("img", { name: "has attachments" })).toBeTruthy();
    expect(within(second!).queryByRole("img", { name: "has attachments" })).toBeNull();
    expect(screen.getByTestId("list-count").textContent).toBe("3 conversations");
  });

  it("filters by the inbox or label chosen in the sidebar", async () => {
    const calls: ConversationQuery[] = [];
    const api = fakeApi({
      conversations: (q) => {
        calls.push(q);
        return pagedConversations([
          conversation(1, "Local one"),
          { ...conversation(3, "Support invoice", 2), labels: ["INBOX", "Invoices"] },
          { ...conversation(4, "Support other", 2), labels: ["INBOX"] },
        ])(q);
      },
    });
    render(<App api={api} initialPath="/" />);
    await waitFor(() => expect(rowSubjects()).toHaveLength(3));
    fireEvent.click(await screen.findByRole("link", { name: /support@example\.com/ }));
    await waitFor(() => expect(rowSubjects()).toEqual(["Support invoice", "Support other"]));
    fireEvent.click(screen.getByRole("link", { name: /Invoices/ }));
    await waitFor(() => expect(rowSubjects()).toEqual(["Support invoice"]));
    expect(calls.at(-1)).toEqual({ inbox: 2, label: 9, limit: 100, offset: 0 });
    expect(screen.getByRole("link", { name: /Invoices/ }).getAttribute("aria-current")).toBe("page");
  });

  it("asks core one page at a time, only for the pages in view and the next one", async () => {
    const all = Array.from({ length: 100_000 }, (_, i) => conversation(i + 1, `Conversation ${i + 1}`));
    const conversations = vi.fn(pagedConversations(all));
    const prepareSearch = vi.fn(() => Promise.resolve());
    render(<App api={fakeApi({ conversations, prepareSearch })} initialPath="/" />);
    await waitFor(() => expect(rowSubjects()[0]).toBe("Conversation 1"));
    expect(screen.getByTestId("list-count").textContent).toBe("100,000 conversations");
    // Ten rows fit; overscan adds a few. Not 100,000.
    expect(screen.getAllByTestId("conversation-row").length).toBeLessThan(30);
    // Page 0 first; once it tells the total, the page below the rows in view, ahead of the
    // scroll. With rows on screen, the search index is got ready, once.
    await waitFor(() => expect(prepareSearch).toHaveBeenCalledTimes(1));
    await waitFor(() => expect(conversations.mock.calls.map(([q]) => q.offset)).toEqual([0, 100]));

    const list = screen.getByTestId("row-list");
    act(() => list.scrollTo({ top: 56 * 50_000 }));
    await waitFor(() => expect(rowSubjects()).toContain("Conversation 50001"));
    const offsets = () => [...new Set(conversations.mock.calls.map(([q]) => q.offset))].sort((a, b) => a - b);
    // The rows in view straddle pages 499 and 500; one page either side of them.
    await waitFor(() => expect(offsets()).toEqual([0, 100, 49_800, 49_900, 50_000, 50_100]));
    expect(screen.getAllByTestId("conversation-row").length).toBeLessThanOrEqual(30);
  });

  it("opens a clicked conversation with every message, the newest expanded", async () => {
    render(<App api={fakeApi()} initialPath="/" />);
    await waitFor(() => expect(rowSubjects()).toHaveLength(3));
    fireEvent.click(screen.getAllByTestId("conversation-row")[0]!);
    expect((await screen.findByTestId("thread-subject")).textContent).toBe("Quarterly report");
    const messages = screen.getAllByTestId("thread-message");
    expect(messages).toHaveLength(2);
    expect(within(messages[0]!).queryByTestId("message-body")).toBeNull();
    expect(within(messages[1]!).getByTestId("message-body").textContent).toBe("Hello team,\n  see the numbers.");
    expect(within(messages[1]!).getByText("q3.pdf")).toBeTruthy();
    // The collapsed one expands on click.
    fireEvent.click(within(messages[0]!).getByRole("button", { expanded: false }));
    expect(within(messages[0]!).getByTestId("message-body").textContent).toBe("First draft.");
    expect(screen.getAllByTestId("conversation-row")[0]?.getAttribute("aria-current")).toBe("true");
  });

  it("moves with j/k, opens with Enter and closes with Escape", async () => {
    render(<App api={fakeApi()} initialPath="/" />);
    await waitFor(() => expect(rowSubjects()).toHaveLength(3));
    fireEvent.keyDown(document.body, { key: "j" });
    fireEvent.keyDown(document.body, { key: "k" });
    const list = screen.getByTestId("row-list");
    expect(document.activeElement).toBe(list);
    expect(list.getAttribute("aria-activedescendant")).toBe("conversation-row-0");
    fireEvent.keyDown(list, { key: "Enter" });
    expect((await screen.findByTestId("thread-subject")).textContent).toBe("Quarterly report");
    fireEvent.keyDown(document.body, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("thread")).toBeNull());
    // x selects without opening.
    fireEvent.keyDown(list, { key: "j" });
    fireEvent.keyDown(list, { key: "x" });
    expect(screen.getAllByTestId("conversation-row")[1]?.getAttribute("aria-selected")).toBe("true");
    expect(screen.getByText("1 selected")).toBeTruthy();
  });

  it("shows the cheat sheet on ? and focuses search on /", async () => {
    render(<App api={fakeApi()} initialPath="/" />);
    await screen.findAllByTestId("conversation-row");
    fireEvent.keyDown(document.body, { key: "?" });
    expect(within(screen.getByTestId("cheatsheet")).getByText("Next / previous conversation")).toBeTruthy();
    cleanup();
    render(<App api={fakeApi()} initialPath="/" />);
    await screen.findAllByTestId("conversation-row");
    fireEvent.keyDown(document.body, { key: "/" });
    expect(document.activeElement).toBe(screen.getByTestId("search-input"));
  });

  it("opens to the locked screen when the vault is locked, and retries on request", async () => {
    let locked = true;
    const sidebar = vi.fn(() =>
      locked
        ? Promise.reject({ code: "vault_locked", message: "vault locked: keychain entry missing" })
        : fakeApi().sidebar(),
    );
    render(<App api={fakeApi({ sidebar })} initialPath="/" />);
    const screenEl = await screen.findByTestId("locked-screen");
    expect(screenEl.textContent).toContain("Vault locked");
    expect(screen.getByTestId("locked-reason").textContent).toBe("vault locked: keychain entry missing");
    expect(screen.queryByTestId("conversation-row")).toBeNull();
    locked = false;
    fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    await screen.findAllByTestId("sidebar-inbox");
    expect(screen.queryByTestId("locked-screen")).toBeNull();
  });

  it("shows a thread that cannot be opened in the banner and can dismiss it", async () => {
    render(<App api={fakeApi()} initialPath="/?t=99" />);
    const banner = await screen.findByTestId("error-banner");
    expect(banner.textContent).toContain("conversation 99 not found");
    expect(screen.getByText("This conversation could not be opened.")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Dismiss error" }));
    expect(screen.queryByTestId("error-banner")).toBeNull();
  });

  it("deletes with # and brings it back with the toast's Undo", async () => {
    const deleteConversations = vi.fn((ids: number[]) => Promise.resolve({ ids, purge_after: 0, gmail_pending: 1 }));
    const restoreConversations = vi.fn((ids: number[]) => Promise.resolve({ restored: ids, gmail_pending: 0 }));
    render(<App api={fakeApi({ deleteConversations, restoreConversations })} initialPath="/" />);
    await waitFor(() => expect(rowSubjects()).toHaveLength(3));
    const list = screen.getByTestId("row-list");
    fireEvent.keyDown(list, { key: "j" });
    fireEvent.keyDown(document.body, { key: "#" });
    await waitFor(() => expect(deleteConversations).toHaveBeenCalledWith([2]));
    const toast = await screen.findByTestId("toast");
    expect(toast.textContent).toContain("Conversation moved to Trash (Gmail's Trash follows when Gmail can be reached)");
    fireEvent.click(within(toast).getByRole("button", { name: "Undo" }));
    await waitFor(() => expect(restoreConversations).toHaveBeenCalledWith([2]));

    // A multi-selection goes at once, from the selection bar.
    fireEvent.keyDown(list, { key: "x" });
    fireEvent.keyDown(list, { key: "k" });
    fireEvent.keyDown(list, { key: "x" });
    fireEvent.click(screen.getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(deleteConversations).toHaveBeenLastCalledWith([2, 1]));
  });

  it("opens the trash and settings from the sidebar", async () => {
    render(<App api={fakeApi()} initialPath="/" />);
    fireEvent.click(await screen.findByRole("link", { name: "Trash" }));
    expect((await screen.findByTestId("list-empty")).textContent).toContain("The trash is empty");
    fireEvent.click(screen.getByRole("link", { name: "Settings" }));
    expect(await screen.findByTestId("settings")).toBeTruthy();
    expect(screen.getByRole("heading", { level: 2 }).textContent).toBe("Security");
    fireEvent.click(screen.getByRole("button", { name: /Back to mail/ }));
    await screen.findAllByTestId("conversation-row");
  });

  it("says why the list is empty", async () => {
    render(<App api={fakeApi({ conversations: pagedConversations([]) })} initialPath="/" />);
    expect((await screen.findByTestId("list-empty")).textContent).toContain("No conversations here yet");
    expect(screen.getByTestId("list-count").textContent).toBe("No conversations");
  });
});
