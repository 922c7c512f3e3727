// Component tests for the thread pane: an HTML body goes into a sandboxed frame whose document
// carries the no-network CSP, blocked remote images are counted with their hosts, and a message
// helpr kept as it came says so.
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../app/App";
import { fakeApi, view } from "../test/fakeApi";
import { FRAME_CSP } from "./frame";

afterEach(cleanup);

const tracked = {
  ...view,
  id: 20,
  html: '<p>Sale!</p><img src="helpr-remote:0"><img src="helpr-remote:1">',
  text: "Sale!",
  remote_images: ["https://track.example.net/p.gif?u=42", "https://cdn.example.com/banner.png"],
};

function openWith(messages: (typeof view)[]) {
  const api = fakeApi({
    thread: (id) => Promise.resolve({ thread_id: id, subject: "Sale", messages }),
  });
  render(<App api={api} initialPath="/?t=5" />);
}

describe("thread view", () => {
  it("shows an HTML body in a sandboxed frame that fetches nothing", async () => {
    openWith([tracked]);
    const frame = await screen.findByTestId("message-frame");
    expect(frame.tagName).toBe("IFRAME");
    // Present and empty: no scripts, no same origin, no popups, no forms.
    expect(frame.getAttribute("sandbox")).toBe("");
    expect(frame.getAttribute("referrerpolicy")).toBe("no-referrer");
    const doc = frame.getAttribute("srcdoc") ?? "";
    expect(doc).toContain(FRAME_CSP);
    expect(doc).toContain('<img src="helpr-remote:0">');
    expect(doc).not.toContain("track.example.net");
  });

  it("says how many remote images were blocked and, on request, from where", async () => {
    openWith([tracked]);
    const bar = await screen.findByTestId("remote-images-bar");
    expect(bar.textContent).toContain("2 remote images blocked");
    fireEvent.click(within(bar).getByRole("button", { name: "Show sources" }));
    const hosts = within(bar).getByRole("list", { name: "Blocked image sources" });
    expect(within(hosts).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      "cdn.example.com",
      "track.example.net",
    ]);
  });

  it("marks a message helpr could not display", async () => {
    openWith([{ ...view, text: "", rejected: "the MIME parser failed" }]);
    expect((await screen.findByTestId("message-kept")).textContent).toContain("the MIME parser failed");
    expect(screen.queryByTestId("remote-images-bar")).toBeNull();
  });

  it("closes with its button", async () => {
    openWith([view]);
    fireEvent.click(await screen.findByRole("button", { name: "Close conversation" }));
    expect(await screen.findByText(/Select a conversation to read it/)).toBeTruthy();
  });

  it("saves an attachment to Downloads on click and asks where with Save as…", async () => {
    const saveAttachment = vi.fn((id: number) => Promise.resolve(`/home/agent/Downloads/q3-${id}.pdf`));
    const saveAttachmentAs = vi.fn(() => Promise.resolve(null));
    render(<App api={fakeApi({ saveAttachment, saveAttachmentAs })} initialPath="/?t=1" />);
    fireEvent.click(await screen.findByRole("button", { name: "Save q3.pdf to Downloads" }));
    await waitFor(() => expect(saveAttachment).toHaveBeenCalledWith(10));
    expect(await screen.findByText("Saved to /home/agent/Downloads/q3-10.pdf")).toBeTruthy();

    fireEvent.click(screen.getByRole("button", { name: "Save q3.pdf as…" }));
    await waitFor(() => expect(saveAttachmentAs).toHaveBeenCalledWith(10));
  });

  it("loads remote images once on request, through core, into the frame as data: URLs", async () => {
    const loadRemoteImages = vi.fn(() => Promise.resolve(["data:image/gif;base64,R0lG", null]));
    render(
      <App
        api={fakeApi({ loadRemoteImages, thread: (id) => Promise.resolve({ thread_id: id, subject: "Sale", messages: [tracked] }) })}
        initialPath="/?t=5"
      />,
    );
    const bar = await screen.findByTestId("remote-images-bar");
    expect(loadRemoteImages).not.toHaveBeenCalled();
    fireEvent.click(within(bar).getByTestId("load-images"));
    await waitFor(() => expect(loadRemoteImages).toHaveBeenCalledWith(20));
    await waitFor(() => expect(screen.getByTestId("message-frame").getAttribute("srcdoc")).toContain("data:image/gif;base64,R0lG"));
    expect(screen.getByTestId("message-frame").getAttribute("srcdoc")).toContain('src="helpr-remote:1"');
    expect(screen.getByTestId("remote-images-bar").dataset.loaded).toBe("true");
  });

  it("loads a trusted sender's images without asking, and trusts a sender on request", async () => {
    const loadRemoteImages = vi.fn(() => Promise.resolve(["data:image/gif;base64,R0lG", null]));
    const allowImagesFromSender = vi.fn(() => Promise.resolve("ada@example.com"));
    const trusted = { ...tracked, images_allowed: true };
    const { unmount } = render(
      <App
        api={fakeApi({ loadRemoteImages, thread: (id) => Promise.resolve({ thread_id: id, subject: "Sale", messages: [trusted] }) })}
        initialPath="/?t=5"
      />,
    );
    await waitFor(() => expect(loadRemoteImages).toHaveBeenCalledWith(20));
    unmount();

    render(
      <App
        api={fakeApi({
          loadRemoteImages,
          allowImagesFromSender,
          thread: (id) => Promise.resolve({ thread_id: id, subject: "Sale", messages: [tracked] }),
        })}
        initialPath="/?t=5"
      />,
    );
    fireEvent.click(await screen.findByTestId("always-images"));
    await waitFor(() => expect(allowImagesFromSender).toHaveBeenCalledWith(20));
    expect(await screen.findByText("Images from ada@example.com will load without asking")).toBeTruthy();
  });

  it("marks an unread conversation read once on opening, and Shift+U marks it unread and closes it", async () => {
    const markConversations = vi.fn((ids: number[]) => Promise.resolve({ changed: ids, gmail_pending: 0 }));
    const unread = { ...view, id: 31, unread: true };
    render(
      <App
        api={fakeApi({ markConversations, thread: (id) => Promise.resolve({ thread_id: id, subject: "Q", messages: [unread] }) })}
        initialPath="/?t=7"
      />,
    );
    await screen.findByTestId("thread");
    await waitFor(() => expect(markConversations).toHaveBeenCalledWith([7], true));
    fireEvent.keyDown(window, { key: "U", shiftKey: true });
    await waitFor(() => expect(markConversations).toHaveBeenCalledWith([7], false));
    await waitFor(() => expect(screen.queryByTestId("thread")).toBeNull());
    expect(markConversations).toHaveBeenCalledTimes(2);
  });

  it("leaves a read conversation's flags alone", async () => {
    const markConversations = vi.fn((ids: number[]) => Promise.resolve({ changed: ids, gmail_pending: 0 }));
    render(<App api={fakeApi({ markConversations })} initialPath="/?t=1" />);
    await screen.findByTestId("thread");
    await new Promise((r) => setTimeout(r, 50));
    expect(markConversations).not.toHaveBeenCalled();
  });
});
