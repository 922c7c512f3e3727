// Component tests for search in the app: the query reaches searchMessages, hits replace the list,
// clearing restores it, a malformed query shows the banner and keeps the list, Load more pages on.
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SearchOptions, SearchPage } from "./api";
import { App } from "./App";
import { deferred, fakeApi, summary } from "./fakeApi";

afterEach(cleanup);

const QUERY_ERROR = {
  code: "invalid_input",
  message: "query error at column 9: subject: needs a value",
};

/** Types `query` into the search box and submits the form (what Enter does in the app). */
function search(query: string) {
  const input = screen.getByTestId("search-input");
  fireEvent.change(input, { target: { value: query } });
  fireEvent.submit(input.closest("form")!);
}

function rowSubjects(): string[] {
  return screen
    .queryAllByTestId("message-row")
    .map((row) => row.querySelector(".row-subject")?.textContent ?? "");
}

function count(): string {
  return screen.getByTestId("message-count").textContent ?? "";
}

/** `total` hits numbered from 1, served in pages as the shell would. */
function pagedSearch(total: number) {
  const all = Array.from({ length: total }, (_, i) => summary(i + 1, `Hit ${i + 1}`));
  return vi.fn((_query: string, options: SearchOptions): Promise<SearchPage> =>
    Promise.resolve({ total, hits: all.slice(options.offset, options.offset + options.limit) }),
  );
}

describe("search", () => {
  it("calls searchMessages with the submitted query and shows only the hits", async () => {
    const searchMessages = vi.fn(() =>
      Promise.resolve<SearchPage>({ total: 1, hits: [summary(7, "Invoice March")] }),
    );
    render(<App api={fakeApi({ searchMessages })} />);
    await screen.findAllByTestId("message-row");

    search("  from:ada invoice ");
    await waitFor(() => expect(rowSubjects()).toEqual(["Invoice March"]));
    expect(searchMessages).toHaveBeenCalledTimes(1);
    expect(searchMessages).toHaveBeenCalledWith("from:ada invoice", { limit: 50, offset: 0, sort: "date" });
    expect(count()).toBe("1 of 1 match");
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });

  it("says so when nothing matches", async () => {
    render(<App api={fakeApi()} />);
    await screen.findAllByTestId("message-row");
    search("nothing-matches-this");
    expect(await screen.findByText("No messages match this search.")).toBeTruthy();
    expect(count()).toBe("No matches");
  });

  it("returns to the full list with the clear button or Escape", async () => {
    const searchMessages = vi.fn(() =>
      Promise.resolve<SearchPage>({ total: 1, hits: [summary(7, "Invoice March")] }),
    );
    render(<App api={fakeApi({ searchMessages })} />);
    await screen.findAllByTestId("message-row");

    search("invoice");
    await waitFor(() => expect(rowSubjects()).toEqual(["Invoice March"]));
    fireEvent.click(screen.getByRole("button", { name: "Clear search" }));
    expect(rowSubjects()).toEqual(["Quarterly report", "(no subject)"]);
    expect(count()).toBe("2 messages");
    expect((screen.getByTestId("search-input") as HTMLInputElement).value).toBe("");

    search("invoice");
    await waitFor(() => expect(rowSubjects()).toEqual(["Invoice March"]));
    fireEvent.keyDown(screen.getByTestId("search-input"), { key: "Escape" });
    expect(rowSubjects()).toEqual(["Quarterly report", "(no subject)"]);
    expect((screen.getByTestId("search-input") as HTMLInputElement).value).toBe("");
  });

  it("submitting an empty query returns to the full list without searching", async () => {
    const searchMessages = vi.fn(() =>
      Promise.resolve<SearchPage>({ total: 1, hits: [summary(7, "Invoice March")] }),
    );
    render(<App api={fakeApi({ searchMessages })} />);
    await screen.findAllByTestId("message-row");
    search("invoice");
    await waitFor(() => expect(rowSubjects()).toEqual(["Invoice March"]));
    search("   ");
    expect(rowSubjects()).toEqual(["Quarterly report", "(no subject)"]);
    expect(searchMessages).toHaveBeenCalledTimes(1);
  });

  it("shows a malformed query's error with its column and keeps the full list", async () => {
    const searchMessages = vi.fn(() => Promise.reject(QUERY_ERROR));
    render(<App api={fakeApi({ searchMessages })} />);
    await screen.findAllByTestId("message-row");

    search("subject:");
    const banner = await screen.findByTestId("error-banner");
    expect(banner.getAttribute("data-code")).toBe("invalid_input");
    expect(banner.textContent).toContain("Invalid input");
    expect(banner.textContent).toContain("query error at column 9: subject: needs a value");
    expect(rowSubjects()).toEqual(["Quarterly report", "(no subject)"]);
    expect(count()).toBe("2 messages");
    // The query stays in the field to be corrected.
    expect((screen.getByTestId("search-input") as HTMLInputElement).value).toBe("subject:");
  });

  it("keeps the previous hits on a malformed query; a good query clears the banner", async () => {
    const searchMessages = vi.fn((query: string): Promise<SearchPage> =>
      query === "subject:"
        ? Promise.reject(QUERY_ERROR)
        : Promise.resolve({ total: 1, hits: [summary(7, `Hit for ${query}`)] }),
    );
    render(<App api={fakeApi({ searchMessages })} />);
    await screen.findAllByTestId("message-row");

    search("invoice");
    await waitFor(() => expect(rowSubjects()).toEqual(["Hit for invoice"]));
    search("subject:");
    await screen.findByTestId("error-banner");
    expect(rowSubjects()).toEqual(["Hit for invoice"]);
    expect(count()).toBe("1 of 1 match");

    search("subject:roadmap");
    await waitFor(() => expect(rowSubjects()).toEqual(["Hit for subject:roadmap"]));
    expect(screen.queryByTestId("error-banner")).toBeNull();
  });

  it("Load more appends the next page, asking from the offset of the hits shown", async () => {
    const searchMessages = pagedSearch(120);
    render(<App api={fakeApi({ searchMessages })} />);
    await screen.findAllByTestId("message-row");

    search("hit");
    await waitFor(() => expect(screen.getAllByTestId("message-row")).toHaveLength(50));
    expect(count()).toBe("50 of 120 matches");

    fireEvent.click(screen.getByRole("button", { name: "Load more" }));
    await waitFor(() => expect(screen.getAllByTestId("message-row")).toHaveLength(100));
    expect(searchMessages).toHaveBeenLastCalledWith("hit", { limit: 50, offset: 50, sort: "date" });
    expect(rowSubjects()[50]).toBe("Hit 51");
    expect(count()).toBe("100 of 120 matches");

    fireEvent.click(screen.getByRole("button", { name: "Load more" }));
    await waitFor(() => expect(screen.getAllByTestId("message-row")).toHaveLength(120));
    expect(searchMessages).toHaveBeenLastCalledWith("hit", { limit: 50, offset: 100, sort: "date" });
    expect(count()).toBe("120 of 120 matches");
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });

  it("Best match re-runs the shown search by relevance from the first page", async () => {
    const searchMessages = pagedSearch(3);
    render(<App api={fakeApi({ searchMessages })} />);
    await screen.findAllByTestId("message-row");

    search("hit");
    await waitFor(() => expect(screen.getAllByTestId("message-row")).toHaveLength(3));
    const best = screen.getByRole("button", { name: "Best match" });
    fireEvent.click(best);
    await waitFor(() => expect(best.getAttribute("aria-pressed")).toBe("true"));
    expect(searchMessages).toHaveBeenLastCalledWith("hit", { limit: 50, offset: 0, sort: "relevance" });
    expect(screen.getByRole("button", { name: "Newest" }).getAttribute("aria-pressed")).toBe("false");
  });

  it("drops an answer that arrives after the search was cleared", async () => {
    const slow = deferred<SearchPage>();
    render(<App api={fakeApi({ searchMessages: () => slow.promise })} />);
    await screen.findAllByTestId("message-row");

    search("invoice");
    expect(count()).toBe("Searching…");
    fireEvent.click(screen.getByRole("button", { name: "Clear search" }));
    // act() applies whatever the late answer's handler does before the assertions look.
    await act(async () => {
      slow.resolve({ total: 1, hits: [summary(7, "Late hit")] });
      await slow.promise;
    });
    expect(rowSubjects()).toEqual(["Quarterly report", "(no subject)"]);
    expect(count()).toBe("2 messages");
  });
});
