// Component tests: the list renders rows, a click opens the reader, command errors reach the banner.
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { App } from "./App";
import { fakeApi, summaries, view } from "./fakeApi";

afterEach(cleanup);

describe("App", () => {
  it("renders one row per message with from and subject", async () => {
    render(<App api={fakeApi()} />);
    const rows = await screen.findAllByTestId("message-row");
    expect(rows).toHaveLength(2);
    expect(rows[0]?.textContent).toContain("Ada <ada@example.com>");
    expect(rows[0]?.textContent).toContain("Quarterly report");
    expect(rows[1]?.textContent).toContain("(no subject)");
    expect(within(rows[0]!).getByRole("img", { name: "has attachments" })).toBeTruthy();
    expect(within(rows[1]!).queryByRole("img", { name: "has attachments" })).toBeNull();
    expect(screen.getByText("2 messages")).toBeTruthy();
  });

  it("opens the clicked message with headers, body and attachment names", async () => {
    render(<App api={fakeApi()} />);
    const rows = await screen.findAllByTestId("message-row");
    fireEvent.click(rows[0]!);
    const subject = await screen.findByTestId("message-subject");
    expect(subject.textContent).toBe("Quarterly report");
    const body = screen.getByTestId("message-body");
    expect(body.tagName).toBe("PRE");
    expect(body.textContent).toBe("Hello team,\n  see the numbers.");
    expect(within(screen.getByTestId("attachments")).getByText("q3.pdf")).toBeTruthy();
    expect(screen.getByText("team@example.com")).toBeTruthy();
    expect(rows[0]?.getAttribute("aria-current")).toBe("true");
  });

  it("marks a message helpr could not display, in the list and in the reader", async () => {
    const kept = { ...summaries[1]!, id: 3, kept: true, subject: "Invoice" };
    const api = fakeApi({
      listMessages: () => Promise.resolve([...summaries, kept]),
      getMessage: () =>
        Promise.resolve({ ...view, id: 3, text: "", rejected: "the MIME parser failed" }),
    });
    render(<App api={api} />);
    const rows = await screen.findAllByTestId("message-row");
    expect(rows[2]?.textContent).toContain("Could not be displayed");
    expect(rows[0]?.textContent).not.toContain("Could not be displayed");
    fireEvent.click(rows[2]!);
    const note = await screen.findByTestId("message-kept");
    expect(note.textContent).toContain("the MIME parser failed");
  });

  it("shows a vault-locked error from list_messages in the banner", async () => {
    const api = fakeApi({
      listMessages: () =>
        Promise.reject({ code: "vault_locked", message: "vault locked: keychain entry missing" }),
    });
    render(<App api={api} />);
    const banner = await screen.findByTestId("error-banner");
    expect(banner.getAttribute("data-code")).toBe("vault_locked");
    expect(banner.textContent).toContain("Vault locked");
    expect(banner.textContent).toContain("vault locked: keychain entry missing");
    expect(screen.queryAllByTestId("message-row")).toHaveLength(0);
    expect(screen.getByText("Messages could not be loaded.")).toBeTruthy();
  });

  it("shows a get_message error and can dismiss it", async () => {
    render(<App api={fakeApi()} />);
    const rows = await screen.findAllByTestId("message-row");
    fireEvent.click(rows[1]!);
    const banner = await screen.findByTestId("error-banner");
    expect(banner.textContent).toContain("message 2 not found");
    expect(screen.getByText("This message could not be opened.")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Dismiss error" }));
    expect(screen.queryByTestId("error-banner")).toBeNull();
  });
});
