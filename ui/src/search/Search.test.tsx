// Component tests for search in the app: results as you type (one request per pause), hits in
// place of the list, the query in the URL, clearing back to the list, a malformed query's banner
// with the last good list kept, paging on scroll, the order toggle, and a late answer dropped.
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SearchOptions, SearchPage } from "../api";
import { App } from "../app/App";
import { deferred, fakeApi, summary } from "../test/fakeApi";
import { SEARCH_DEBOUNCE_MS } from "./search";

afterEach(cleanup);

const QUERY_ERROR = {
  code: "invalid_input",
  message: "query error at column 9: subject: needs a value",
};

function input(): HTMLInputElement {
  return screen.getByTestId<HTMLInputElement>("search-input");
}

/** Types `query` into the search box (results follow once typing pauses). */
function type(query: string) {
  fireEvent.change(input(), { target: { value: query } });
}

/** Types `query` and presses Enter (runs at once). */
function search(query: string) {
  type(query);
  fireEvent.submit(input().closest("form")!);
}

function rowSubjects(testId: string): string[] {
  return screen.queryAllByTestId(testId).map((row) => row.querySelector(".row-subject")?.textContent ?? "");
}

function count(): string {
  return screen.getByTestId("list-count").textContent ?? "";
}

/** `total` hits numbered from 1, served in pages as the shell would. */
function pagedSearch(total: number) {
  const all = Array.from({ length: total }, (_, i) => summary(i + 1, `Hit ${i + 1}`));
  return vi.fn((_query: string, options: SearchOptions): Promise<SearchPage> =>
    Promise.resolve({ total, hits: all.slice(options.offset, options.offset + options.limit) }),
  );
}

async function ready() {
  await waitFor(() => expect(rowSubjects("conversation-row")).toHaveLength(3));
}

describe("search", () => {
  it("runs as you type once typing pauses, and shows only the hits", async () => {
    const searchMessages = vi.fn(() =>
      Promise.resolve<SearchPage>({ total: 1, hits: [summary(7, "Invoice March")] }),
    );
    render(<App api={fakeApi({ searchMessages })} initialPath="/" />);
    await ready();
    type("from:a");
    type("from:ada");
    type("from:ada invoice ");
    await waitFor(() => expect(rowSubjects("search-row")).toEqual(["Invoice March"]));
    // One request: the pause came after the last keystroke only.
    expect(searchMessages).toHaveBeenCalledTimes(1);
    expect(searchMessages).toHaveBeenCalledWith("from:ada invoice", { limit: 50, offset: 0, sort: "date" });
    expect(count()).toBe("1 of 1 match");
    // The field keeps what was typed, trailing space included.
    expect(input().value).toBe("from:ada invoice ");
    expect(rowSubjects("conversation-row")).toEqual([]);
  });

  it("asks core for a sent query at once, not once the results pane has rendered", async () => {
    const paneAtCall: (string | undefined)[] = [];
    const searchMessages = vi.fn(() => {
      paneAtCall.push(screen.getByTestId("list-count").dataset.query);
      return Promise.resolve<SearchPage>({ total: 1, hits: [summary(7, "Invoice March")] });
    });
    render(<App api={fakeApi({ searchMessages })} initialPath="/" />);
    await ready();
    type("invoice");
    await waitFor(() => expect(rowSubjects("search-row")).toEqual(["Invoice March"]));
    // Asked while the conversation list was still on screen (its count line names no query),
    // and once: the results pane reads that answer.
    expect(paneAtCall).toEqual([undefined]);
  });

  it("keeps the keys typed while the previous pause's query lands in the URL", async () => {
    render(<App api={fakeApi()} initialPath="/" />);
    await screen.findAllByTestId("conversation-row");
    vi.useFakeTimers();
    try {
      type("from:ali");
      // The pause's query goes to the URL, and a key is typed before that navigation renders.
      act(() => {
        vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS);
        type("from:alic");
      });
      expect(input().value).toBe("from:alic");
      act(() => {
        vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS);
      });
      expect(input().value).toBe("from:alic");
    } finally {
      vi.useRealTimers();
    }
    await waitFor(() => expect(count()).toBe("No matches"));
    expect(input().value).toBe("from:alic");
  });

  it("says so when nothing matches", async () => {
    render(<App api={fakeApi()} initialPath="/" />);
    await ready();
    search("nothing-matches-this");
    expect((await screen.findByTestId("list-empty")).textContent).toContain("No mail matches nothing-matches-this");
    expect(count()).toBe("No matches");
  });

  it("returns to the list with the clear button or Escape", async () => {
    const searchMessages = vi.fn(() =>
      Promise.resolve<SearchPage>({ total: 1, hits: [summary(7, "Invoice March")] }),
    );
    render(<App api={fakeApi({ searchMessages })} initialPath="/" />);
    await ready();
    search("invoice");
    await waitFor(() => expect(rowSubjects("search-row")).toEqual(["Invoice March"]));
    fireEvent.click(screen.getByRole("button", { name: "Clear search" }));
    await ready();
    expect(count()).toBe("3 conversations");
    expect(input().value).toBe("");

    search("invoice");
    await waitFor(() => expect(rowSubjects("search-row")).toEqual(["Invoice March"]));
    fireEvent.keyDown(input(), { key: "Escape" });
    await ready();
    expect(input().value).toBe("");
  });

  it("opens a hit's conversation with the keyboard", async () => {
    const searchMessages = vi.fn(() =>
      Promise.resolve<SearchPage>({ total: 2, hits: [summary(5, "Other"), { ...summary(11, "Quarterly report"), thread_id: 1 }] }),
    );
    render(<App api={fakeApi({ searchMessages })} initialPath="/" />);
    await ready();
    search("report");
    await waitFor(() => expect(rowSubjects("search-row")).toHaveLength(2));
    // Arrow Down leaves the field for the hits; the cursor starts on the first.
    fireEvent.keyDown(input(), { key: "ArrowDown" });
    const list = screen.getByTestId("row-list");
    expect(document.activeElement).toBe(list);
    fireEvent.keyDown(list, { key: "j" });
    fireEvent.keyDown(list, { key: "Enter" });
    expect((await screen.findByTestId("thread-subject")).textContent).toBe("Quarterly report");
    // The search stays shown beside the thread.
    expect(rowSubjects("search-row")).toHaveLength(2);
  });

  it("shows a malformed query's error with its column and keeps the last good list", async () => {
    const searchMessages = vi.fn((query: string): Promise<SearchPage> =>
      query === "subject:"
        ? Promise.reject(QUERY_ERROR)
        : Promise.resolve({ total: 1, hits: [summary(7, `Hit for ${query}`)] }),
    );
    render(<App api={fakeApi({ searchMessages })} initialPath="/" />);
    await ready();
    search("invoice");
    await waitFor(() => expect(rowSubjects("search-row")).toEqual(["Hit for invoice"]));
    search("subject:");
    const banner = await screen.findByTestId("error-banner");
    expect(banner.getAttribute("data-code")).toBe("invalid_input");
    expect(banner.textContent).toContain("query error at column 9: subject: needs a value");
    expect(rowSubjects("search-row")).toEqual(["Hit for invoice"]);
    expect(input().value).toBe("subject:");

    search("subject:roadmap");
    await waitFor(() => expect(rowSubjects("search-row")).toEqual(["Hit for subject:roadmap"]));
    expect(screen.queryByTestId("error-banner")).toBeNull();
  });

  it("keeps the conversation list when the first query is malformed", async () => {
    const searchMessages = vi.fn(() => Promise.reject(QUERY_ERROR));
    render(<App api={fakeApi({ searchMessages })} initialPath="/" />);
    await ready();
    search("subject:");
    const banner = await screen.findByTestId("error-banner");
    expect(banner.textContent).toContain("Invalid input");
    expect(rowSubjects("conversation-row")).toEqual(["Quarterly report", "(no subject)", "Welcome to support"]);
    expect(count()).toBe("3 conversations");
  });

  it("pages on as the list scrolls near its end, from the offset of the hits shown", async () => {
    const searchMessages = pagedSearch(120);
    render(<App api={fakeApi({ searchMessages })} initialPath="/" />);
    await ready();
    search("hit");
    await waitFor(() => expect(count()).toBe("50 of 120 matches"));
    const list = screen.getByTestId("row-list");
    act(() => list.scrollTo({ top: 56 * 40 }));
    await waitFor(() => expect(count()).toBe("100 of 120 matches"));
    expect(searchMessages).toHaveBeenLastCalledWith("hit", { limit: 50, offset: 50, sort: "date" });
    act(() => list.scrollTo({ top: 56 * 95 }));
    await waitFor(() => expect(count()).toBe("120 of 120 matches"));
    expect(searchMessages).toHaveBeenLastCalledWith("hit", { limit: 50, offset: 100, sort: "date" });
    expect(searchMessages).toHaveBeenCalledTimes(3);
  });

  it("Best match re-runs the shown search by relevance from the first page", async () => {
    const searchMessages = pagedSearch(3);
    render(<App api={fakeApi({ searchMessages })} initialPath="/" />);
    await ready();
    search("hit");
    await waitFor(() => expect(rowSubjects("search-row")).toHaveLength(3));
    const best = screen.getByRole("button", { name: "Best match" });
    fireEvent.click(best);
    await waitFor(() => expect(searchMessages).toHaveBeenLastCalledWith("hit", { limit: 50, offset: 0, sort: "relevance" }));
    expect(best.getAttribute("aria-pressed")).toBe("true");
  });

  it("never shows a late answer to an older query", async () => {
    const slow = deferred<SearchPage>();
    const searchMessages = vi.fn((query: string): Promise<SearchPage> =>
      query === "first" ? slow.promise : Promise.resolve({ total: 1, hits: [summary(8, "Second hit")] }),
    );
    render(<App api={fakeApi({ searchMessages })} initialPath="/" />);
    await ready();
    search("first");
    await waitFor(() => expect(count()).toBe("Searching…"));
    search("second");
    await waitFor(() => expect(rowSubjects("search-row")).toEqual(["Second hit"]));
    await act(async () => {
      slow.resolve({ total: 1, hits: [summary(7, "Late hit")] });
      await slow.promise;
    });
    expect(rowSubjects("search-row")).toEqual(["Second hit"]);
    expect(count()).toBe("1 of 1 match");
  });
});
