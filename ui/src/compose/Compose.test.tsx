// Component tests of the composer against the stand-in shell: a reply starts from core's draft
// (recipients, subject, quote), typing is sealed after a pause (one save, then the same id),
// Ctrl+Enter sends the saved draft and the thread reloads, a draft without recipients is not
// sent, Discard deletes it, and `c` opens a new message.
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Draft } from "../api";
import { App } from "../app/App";
import { fakeApi } from "../test/fakeApi";
import { AUTOSAVE_MS } from "./Compose";

afterEach(cleanup);

async function openReply(overrides: Parameters<typeof fakeApi>[0] = {}) {
  const api = fakeApi(overrides);
  render(<App api={api} initialPath="/?t=1" />);
  fireEvent.click(await screen.findByRole("button", { name: /^Reply$/ }));
  return api;
}

describe("compose", () => {
  it("starts a reply from core's draft and seals what is typed once typing pauses", async () => {
    const saveDraft = vi.fn((d: Draft) => Promise.resolve({ ...d, id: d.id ?? 501, updated_at: 1 }));
    const compose = vi.fn(() =>
      Promise.resolve<Draft>({
        id: null,
        from: "support@example.com",
        to: ["Ada Lovelace <ada@example.com>"],
        cc: [],
        bcc: [],
        subject: "Re: Quarterly report",
        body: "\n\n> Hello team,",
        reply_to: 11,
        attachments: [],
        updated_at: null,
      }),
    );
    await openReply({ compose, saveDraft });
    expect(compose).toHaveBeenCalledWith("reply", 11);
    const to = await screen.findByTestId<HTMLInputElement>("compose-to");
    expect(to.value).toBe("Ada Lovelace <ada@example.com>");
    expect(screen.getByTestId<HTMLInputElement>("compose-subject").value).toBe("Re: Quarterly report");

    const body = screen.getByTestId("compose-body");
    fireEvent.change(body, { target: { value: "Thanks!\n\n> Hello team," } });
    fireEvent.change(body, { target: { value: "Thanks, Ada!\n\n> Hello team," } });
    await waitFor(() => expect(saveDraft).toHaveBeenCalledTimes(1), { timeout: AUTOSAVE_MS * 4 });
    expect(saveDraft).toHaveBeenNthCalledWith(
      1,
      expect.objectContaining({ id: null, body: "Thanks, Ada!\n\n> Hello team,", reply_to: 11 }),
    );
    await waitFor(() => expect(screen.getByTestId("draft-status").dataset.state).toBe("saved"));

    fireEvent.change(body, { target: { value: "Thanks again" } });
    await waitFor(() => expect(saveDraft).toHaveBeenCalledTimes(2), { timeout: AUTOSAVE_MS * 4 });
    expect(saveDraft).toHaveBeenNthCalledWith(2, expect.objectContaining({ id: 501, body: "Thanks again" }));
  });

  it("sends with Ctrl+Enter, then closes the composer and reloads the thread", async () => {
    const sendDraft = vi.fn((d: Draft) => Promise.resolve({ id: 900, thread_id: 1, message_id: `<${d.subject}@helpr>` }));
    let threadLoads = 0;
    const base = fakeApi();
    await openReply({
      sendDraft,
      thread: (id) => {
        threadLoads += 1;
        return base.thread(id);
      },
    });
    const body = await screen.findByTestId("compose-body");
    fireEvent.change(body, { target: { value: "On it." } });
    const before = threadLoads;
    fireEvent.keyDown(body, { key: "Enter", ctrlKey: true });
    await waitFor(() => expect(sendDraft).toHaveBeenCalledTimes(1));
    expect(sendDraft).toHaveBeenCalledWith(expect.objectContaining({ body: "On it.", to: ["Ada Lovelace <ada@example.com>"] }));
    await waitFor(() => expect(screen.queryByTestId("compose")).toBeNull());
    await waitFor(() => expect(threadLoads).toBeGreaterThan(before));
    expect(await screen.findByText("Message sent")).toBeTruthy();
  });

  it("does not send without a recipient, and says why", async () => {
    const sendDraft = vi.fn();
    const api = fakeApi({ sendDraft });
    render(<App api={api} initialPath="/" />);
    await screen.findAllByTestId("conversation-row");
    fireEvent.keyDown(window, { key: "c" });
    const send = await screen.findByTestId("compose-send");
    fireEvent.click(send);
    expect((await screen.findByRole("alert")).textContent).toMatch(/recipient/);
    expect(sendDraft).not.toHaveBeenCalled();
  });

  it("discards a saved draft", async () => {
    const discardDraft = vi.fn(() => Promise.resolve());
    await openReply({ discardDraft, compose: () => Promise.resolve(savedReply) });
    await screen.findByTestId("compose");
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Discard draft" }));
      await Promise.resolve();
    });
    await waitFor(() => expect(discardDraft).toHaveBeenCalledWith(77));
    await waitFor(() => expect(screen.queryByTestId("compose")).toBeNull());
  });
});

const savedReply: Draft = {
  id: 77,
  from: null,
  to: ["ada@example.com"],
  cc: [],
  bcc: [],
  subject: "Re: Quarterly report",
  body: "saved words",
  reply_to: 11,
  attachments: [],
  updated_at: 1_700_000_000,
};
