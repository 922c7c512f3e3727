// Component tests for the search field alone: typing, Enter, Escape, the clear button, operator
// hints (arrows and Tab or Enter take one), and the order toggle.
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SearchBox } from "./SearchBox";

afterEach(cleanup);

function renderBox(props: { value?: string; active?: boolean } = {}) {
  const handlers = {
    onChange: vi.fn(),
    onSubmit: vi.fn(),
    onClear: vi.fn(),
    onSortChange: vi.fn(),
  };
  render(<SearchBox value={props.value ?? ""} sort="date" active={props.active ?? false} {...handlers} />);
  return handlers;
}

function field(): HTMLElement {
  return screen.getByRole("combobox", { name: "Search mail" });
}

describe("SearchBox", () => {
  it("reports typing and submits the field's text on Enter", () => {
    const handlers = renderBox({ value: "from:ada" });
    fireEvent.change(field(), { target: { value: "from:ada x" } });
    expect(handlers.onChange).toHaveBeenCalledWith("from:ada x");
    fireEvent.submit(field().closest("form")!);
    expect(handlers.onSubmit).toHaveBeenCalledWith("from:ada");
  });

  it("clears on Escape but not on other keys", () => {
    const handlers = renderBox({ value: "x " });
    fireEvent.keyDown(field(), { key: "a" });
    expect(handlers.onClear).not.toHaveBeenCalled();
    fireEvent.keyDown(field(), { key: "Escape" });
    expect(handlers.onClear).toHaveBeenCalledTimes(1);
  });

  it("shows the clear button only when there is something to clear", () => {
    renderBox();
    expect(screen.queryByRole("button", { name: "Clear search" })).toBeNull();
    cleanup();
    const handlers = renderBox({ active: true });
    fireEvent.click(screen.getByRole("button", { name: "Clear search" }));
    expect(handlers.onClear).toHaveBeenCalledTimes(1);
  });

  it("hints the operators that start with the word being typed and takes one", () => {
    const handlers = renderBox({ value: "invoice f" });
    fireEvent.focus(field());
    const hints = screen.getByRole("listbox", { name: "Search operators" });
    expect([...hints.querySelectorAll("code")].map((c) => c.textContent)).toEqual(["from:", "filename:"]);
    fireEvent.keyDown(field(), { key: "ArrowDown" });
    fireEvent.keyDown(field(), { key: "ArrowDown" });
    expect(field().getAttribute("aria-activedescendant")).toBe("search-hint-1");
    fireEvent.keyDown(field(), { key: "Tab" });
    expect(handlers.onChange).toHaveBeenCalledWith("invoice filename:");
    // Enter on a hint takes it instead of searching.
    fireEvent.keyDown(field(), { key: "ArrowDown" });
    fireEvent.submit(field().closest("form")!);
    expect(handlers.onChange).toHaveBeenLastCalledWith("invoice from:");
    expect(handlers.onSubmit).not.toHaveBeenCalled();
  });

  it("marks the current order and reports a change", () => {
    const handlers = renderBox();
    expect(screen.getByRole("button", { name: "Newest" }).getAttribute("aria-pressed")).toBe("true");
    fireEvent.click(screen.getByRole("button", { name: "Best match" }));
    expect(handlers.onSortChange).toHaveBeenCalledWith("relevance");
  });
});
