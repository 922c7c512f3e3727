import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../app/App";
import { fakeApi } from "../test/fakeApi";
import { LabelMenu } from "./LabelMenu";

afterEach(cleanup);

function options(): HTMLElement[] {
  return screen.queryAllByTestId("label-option");
}

describe("LabelMenu", () => {
  it("shows which labels all or some conversations carry and toggles one with the keyboard", async () => {
    const onChange = vi.fn(() => Promise.resolve());
    render(<LabelMenu targets={[["Invoices", "INBOX"], ["INBOX"]]} known={["Invoices", "UNREAD"]} onChange={onChange} onClose={() => {}} />);
    const byName = Object.fromEntries(options().map((o) => [o.textContent, o.getAttribute("aria-checked")]));
    expect(byName).toEqual({ Inbox: "true", Starred: "false", Important: "false", Invoices: "mixed" });
    const filter = screen.getByTestId("label-filter");
    fireEvent.keyDown(filter, { key: "ArrowDown" });
    expect(filter.getAttribute("aria-activedescendant")).toBe(options()[1]?.id);
    fireEvent.keyDown(filter, { key: "Enter" });
    await waitFor(() => expect(onChange).toHaveBeenCalledWith("STARRED", true));
    // Now on both: Enter again removes it.
    await waitFor(() => expect(options()[1]?.getAttribute("aria-checked")).toBe("true"));
    fireEvent.keyDown(filter, { key: "Enter" });
    await waitFor(() => expect(onChange).toHaveBeenCalledWith("STARRED", false));
  });

  it("offers to create a label for a new name, and keeps the state when core refuses", async () => {
    const onChange = vi.fn((name: string) => (name === "Bad" ? Promise.reject(new Error("no")) : Promise.resolve()));
    render(<LabelMenu targets={[[]]} known={["Invoices"]} onChange={onChange} onClose={() => {}} />);
    const filter = screen.getByTestId("label-filter");
    fireEvent.change(filter, { target: { value: "invoices" } });
    expect(screen.queryByTestId("label-create")).toBeNull();
    fireEvent.change(filter, { target: { value: " Follow-up " } });
    expect(options()).toHaveLength(0);
    fireEvent.click(screen.getByTestId("label-create"));
    await waitFor(() => expect(onChange).toHaveBeenCalledWith("Follow-up", true));
    await waitFor(() => expect(screen.getByText("Follow-up").closest("li")?.getAttribute("aria-checked")).toBe("true"));
    fireEvent.change(filter, { target: { value: "Bad" } });
    fireEvent.click(screen.getByTestId("label-create"));
    await waitFor(() => expect(onChange).toHaveBeenCalledWith("Bad", true));
    expect(screen.getByTestId("label-create").textContent).toContain("Bad");
  });

  it("opens with l over the open conversation and applies the label through core", async () => {
    const labelConversations = vi.fn((ids: number[]) => Promise.resolve({ changed: ids, gmail_pending: 0 }));
    render(<App api={fakeApi({ labelConversations })} initialPath="/?t=1" />);
    await screen.findByTestId("thread-subject");
    fireEvent.keyDown(window, { key: "l" });
    const menu = await screen.findByTestId("label-menu");
    fireEvent.click(within(menu).getByText("Invoices"));
    await waitFor(() => expect(labelConversations).toHaveBeenCalledWith([1], "Invoices", true));
    expect(await screen.findByText("Labelled “Invoices”")).toBeTruthy();
    fireEvent.click(screen.getByText("Done"));
    await waitFor(() => expect(screen.queryByTestId("label-menu")).toBeNull());
  });
});
