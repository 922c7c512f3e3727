// Unit tests for the pure search-paging helpers.
import { describe, expect, it } from "vitest";
import { appendPage, firstPage, hasMore, matchesLabel, pageOptions, SEARCH_PAGE_SIZE } from "./search";
import { summary } from "./fakeApi";

describe("pageOptions", () => {
  it("asks for one page from the offset of the hits shown", () => {
    expect(pageOptions("date")).toEqual({ limit: SEARCH_PAGE_SIZE, offset: 0, sort: "date" });
    expect(pageOptions("relevance", 50)).toEqual({ limit: 50, offset: 50, sort: "relevance" });
  });
});

describe("appendPage", () => {
  it("appends the next page and takes its total", () => {
    const first = firstPage("q", "date", { total: 3, hits: [summary(1, "a"), summary(2, "b")] });
    const next = appendPage(first, { total: 4, hits: [summary(3, "c")] });
    expect(next.hits.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(next.total).toBe(4);
    expect(next.query).toBe("q");
  });

  it("drops hits already shown (offsets shift when mail arrives between pages)", () => {
    const first = firstPage("q", "date", { total: 3, hits: [summary(1, "a"), summary(2, "b")] });
    const next = appendPage(first, { total: 3, hits: [summary(2, "b"), summary(3, "c")] });
    expect(next.hits.map((m) => m.id)).toEqual([1, 2, 3]);
  });
});

describe("hasMore and matchesLabel", () => {
  it("counts hits shown against the total", () => {
    const none = firstPage("q", "date", { total: 0, hits: [] });
    expect(hasMore(none)).toBe(false);
    expect(matchesLabel(none)).toBe("No matches");

    const one = firstPage("q", "date", { total: 1, hits: [summary(1, "a")] });
    expect(hasMore(one)).toBe(false);
    expect(matchesLabel(one)).toBe("1 of 1 match");

    const partial = firstPage("q", "date", { total: 120, hits: [summary(1, "a"), summary(2, "b")] });
    expect(hasMore(partial)).toBe(true);
    expect(matchesLabel(partial)).toBe("2 of 120 matches");
  });
});
