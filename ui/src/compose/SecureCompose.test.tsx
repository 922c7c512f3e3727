// Secure email in the composer, against the stand-in shell: the lock toggle is offered only when
// the draft's From is a shared team inbox; on, it sends the draft with the expiry and opens
// chosen (and saves them with it), the Send button says so and Bcc is hidden and refused; Ctrl+
// Shift+L turns it on and off; a reply in a conversation with a protected thread starts secure
// and says it answers in that thread; a saved draft's choice comes back as it was.
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Draft, HelprApi } from "../api";
import { App } from "../app/App";
import { SHORTCUTS } from "../app/CheatSheet";
import { emptyDraft, fakeApi, fakeSecureApi } from "../test/fakeApi";
import { kept, secureView, sharedTeam } from "../test/fakeSecure";
import { AUTOSAVE_MS } from "./Compose";
import { SECURE_EXPLANATION } from "./SecureRow";

afterEach(cleanup);

/** Opens a reply to conversation 1's newest message (core's draft is from support@example.com,
 *  vault inbox 2). */
async function openReply(overrides: Partial<HelprApi> = {}) {
  const api = fakeApi(overrides);
  render(<App api={api} initialPath="/?t=1" />);
  fireEvent.click(await screen.findByRole("button", { name: /^Reply$/ }));
  await screen.findByTestId("compose-body");
  return api;
}

const toggle = () => screen.getByTestId("compose-secure");
const pressed = () => toggle().getAttribute("aria-pressed");

describe("secure email in compose", () => {
  it("is offered only when the draft is from a shared team inbox", async () => {
    await openReply({ team: sharedTeam(2) });
    expect(await screen.findByTestId("compose-secure")).toBeTruthy();
    expect(pressed()).toBe("false");
    cleanup();

    // Signed in, but support@example.com is not the shared inbox.
    await openReply({ team: sharedTeam(1) });
    expect(screen.queryByTestId("compose-secure")).toBeNull();
    cleanup();

    // Not in team mode at all.
    await openReply();
    expect(screen.queryByTestId("compose-secure")).toBeNull();
  });

  it("sends the draft secure with the expiry and opens chosen, and saves them with it", async () => {
    const sendDraft = vi.fn((d: Draft) => Promise.resolve({ id: 900, thread_id: 1, message_id: `<${d.subject}@helpr>` }));
    const saveDraft = vi.fn((d: Draft) => Promise.resolve({ ...d, id: d.id ?? 501, updated_at: 1 }));
    await openReply({ team: sharedTeam(2), sendDraft, saveDraft });
    const send = screen.getByTestId("compose-send");
    expect(send.textContent).toBe("Send");
    expect(screen.queryByTestId("compose-secure-options")).toBeNull();

    fireEvent.click(await screen.findByTestId("compose-secure"));
    expect(pressed()).toBe("true");
    expect(send.textContent).toBe("Send securely");
    expect(screen.getByTestId("compose-secure-options").textContent).toContain(SECURE_EXPLANATION);
    const expiry = screen.getByRole<HTMLSelectElement>("combobox", { name: "Expires after" });
    const opens = screen.getByRole<HTMLSelectElement>("combobox", { name: "Opens" });
    expect(expiry.value).toBe("28");
    expect(opens.value).toBe("");
    fireEvent.change(expiry, { target: { value: "7" } });
    fireEvent.change(opens, { target: { value: "3" } });

    await waitFor(() => expect(saveDraft).toHaveBeenCalled(), { timeout: AUTOSAVE_MS * 4 });
    expect(saveDraft).toHaveBeenLastCalledWith(expect.objectContaining({ secure: { expires_in_days: 7, max_opens: 3 } }));

    fireEvent.click(send);
    await waitFor(() => expect(sendDraft).toHaveBeenCalledTimes(1));
    expect(sendDraft).toHaveBeenCalledWith(
      expect.objectContaining({ reply_to: 11, bcc: [], secure: { expires_in_days: 7, max_opens: 3 } }),
    );
  });

  it("sends ordinary mail once turned off again, and toggles with Ctrl+Shift+L", async () => {
    const sendDraft = vi.fn(() => Promise.resolve({ id: 900, thread_id: 1, message_id: "<m@helpr>" }));
    await openReply({ team: sharedTeam(2), sendDraft });
    const body = screen.getByTestId("compose-body");
    fireEvent.keyDown(body, { key: "L", ctrlKey: true, shiftKey: true });
    expect(pressed()).toBe("true");
    fireEvent.keyDown(body, { key: "L", ctrlKey: true, shiftKey: true });
    expect(pressed()).toBe("false");
    expect(screen.getByTestId("compose-send").textContent).toBe("Send");
    fireEvent.keyDown(body, { key: "Enter", ctrlKey: true });
    await waitFor(() => expect(sendDraft).toHaveBeenCalledWith(expect.objectContaining({ secure: null })));
    expect(SHORTCUTS.map(([keys]) => keys)).toContain("Ctrl+Shift+L");
  });

  it("hides Bcc while secure, and refuses to send a secure draft that has Bcc", async () => {
    const sendDraft = vi.fn();
    await openReply({ team: sharedTeam(2), sendDraft });
    fireEvent.click(screen.getByRole("button", { name: "Cc / Bcc" }));
    expect(screen.getByTestId("compose-bcc")).toBeTruthy();
    fireEvent.click(toggle());
    expect(screen.queryByTestId("compose-bcc")).toBeNull();
    expect(screen.getByTestId("compose-cc")).toBeTruthy();

    // Typed before turning secure on: it stays in sight, and sending says why it cannot.
    fireEvent.click(toggle());
    fireEvent.change(screen.getByTestId("compose-bcc"), { target: { value: "boss@example.com" } });
    fireEvent.click(toggle());
    expect(screen.getByTestId("compose-bcc")).toBeTruthy();
    fireEvent.click(screen.getByTestId("compose-send"));
    expect((await screen.findByRole("alert")).textContent).toMatch(/names its readers.*Bcc/);
    expect(sendDraft).not.toHaveBeenCalled();
  });

  it("starts a reply in a secured conversation secure, answering in the secure thread", async () => {
    const sendDraft = vi.fn(() => Promise.resolve({ id: 900, thread_id: 1, message_id: "<m@helpr>" }));
    const status = vi.fn(() => Promise.resolve([kept(secureView())]));
    await openReply({ team: sharedTeam(2), secure: fakeSecureApi({ status }), sendDraft });
    expect(status).toHaveBeenCalledWith(1);
    expect(pressed()).toBe("true");
    expect(screen.getByTestId("compose-secure-thread").textContent).toBe("Answer in the secure thread");
    // The thread's expiry and opens were set when it began.
    expect(screen.queryByRole("combobox", { name: "Expires after" })).toBeNull();
    fireEvent.click(screen.getByTestId("compose-send"));
    await waitFor(() => expect(sendDraft).toHaveBeenCalledWith(expect.objectContaining({ reply_to: 11, secure: expect.anything() as unknown })));
  });

  it("brings a saved draft's secure choice back, and a saved ordinary answer stays ordinary", async () => {
    const saved: Draft = { ...emptyDraft(11), id: 77, secure: { expires_in_days: 90, max_opens: 1 }, updated_at: 1 };
    await openReply({ team: sharedTeam(2), compose: () => Promise.resolve(saved) });
    expect(pressed()).toBe("true");
    expect(screen.getByRole<HTMLSelectElement>("combobox", { name: "Expires after" }).value).toBe("90");
    expect(screen.getByRole<HTMLSelectElement>("combobox", { name: "Opens" }).value).toBe("1");
    cleanup();

    const ordinary: Draft = { ...saved, secure: null };
    await openReply({
      team: sharedTeam(2),
      compose: () => Promise.resolve(ordinary),
      secure: fakeSecureApi({ status: () => Promise.resolve([kept(secureView())]) }),
    });
    expect(pressed()).toBe("false");
  });
});
