// Component tests for the search form alone: submit, Escape, the clear button, the order toggle.
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

describe("SearchBox", () => {
  it("submits the field's text and reports typing", () => {
    const handlers = renderBox({ value: "from:ada" });
    const input = screen.getByRole("textbox", { name: "Search mail" });
    fireEvent.change(input, { target: { value: "from:ada x" } });
    expect(handlers.onChange).toHaveBeenCalledWith("from:ada x");
    fireEvent.click(screen.getByRole("button", { name: "Search" }));
    expect(handlers.onSubmit).toHaveBeenCalledWith("from:ada");
  });

  it("clears on Escape but not on other keys", () => {
    const handlers = renderBox({ value: "x" });
    const input = screen.getByRole("textbox", { name: "Search mail" });
    fireEvent.keyDown(input, { key: "a" });
    expect(handlers.onClear).not.toHaveBeenCalled();
    fireEvent.keyDown(input, { key: "Escape" });
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

  it("marks the current order and reports a change", () => {
    const handlers = renderBox();
    expect(screen.getByRole("button", { name: "Newest" }).getAttribute("aria-pressed")).toBe("true");
    fireEvent.click(screen.getByRole("button", { name: "Best match" }));
    expect(handlers.onSortChange).toHaveBeenCalledWith("relevance");
  });
});
