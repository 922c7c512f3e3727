// Component tests for the thread pane: an HTML body goes into a sandboxed frame whose document
// carries the no-network CSP, blocked remote images are counted with their hosts, and a message
// helpr kept as it came says so.
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
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
});
