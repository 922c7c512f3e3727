// Unit tests for the pure search helpers: page requests, merging pages, the next offset, the
// count line and operator hints.
import { describe, expect, it } from "vitest";
import { summary } from "../test/fakeApi";
import {
  applyHint,
  matchesLabel,
  mergePages,
  nextOffset,
  operatorHints,
  OPERATORS,
  pageOptions,
  SEARCH_PAGE_SIZE,
} from "./search";

describe("pageOptions", () => {
  it("asks for one page from the offset of the hits shown", () => {
    expect(pageOptions("date")).toEqual({ limit: SEARCH_PAGE_SIZE, offset: 0, sort: "date" });
    expect(pageOptions("relevance", 50)).toEqual({ limit: 50, offset: 50, sort: "relevance" });
  });
});

describe("mergePages", () => {
  it("joins pages in order and takes the last total", () => {
    const merged = mergePages([
      { total: 3, hits: [summary(1, "a"), summary(2, "b")] },
      { total: 4, hits: [summary(3, "c")] },
    ]);
    expect(merged.hits.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(merged.total).toBe(4);
  });

  it("drops hits already shown (offsets shift when mail arrives between pages)", () => {
    const merged = mergePages([
      { total: 3, hits: [summary(1, "a"), summary(2, "b")] },
      { total: 3, hits: [summary(2, "b"), summary(3, "c")] },
    ]);
    expect(merged.hits.map((m) => m.id)).toEqual([1, 2, 3]);
  });
});

describe("nextOffset and matchesLabel", () => {
  it("asks for more only while fewer hits are fetched than match", () => {
    expect(nextOffset([{ total: 0, hits: [] }])).toBeUndefined();
    expect(nextOffset([{ total: 1, hits: [summary(1, "a")] }])).toBeUndefined();
    expect(nextOffset([{ total: 120, hits: [summary(1, "a"), summary(2, "b")] }])).toBe(2);
    // A page that came back empty ends paging even if the total says more.
    expect(nextOffset([{ total: 120, hits: [summary(1, "a")] }, { total: 120, hits: [] }])).toBeUndefined();
  });

  it("counts hits shown against the total", () => {
    expect(matchesLabel({ total: 0, hits: [] })).toBe("No matches");
    expect(matchesLabel({ total: 1, hits: [summary(1, "a")] })).toBe("1 of 1 match");
    expect(matchesLabel({ total: 120, hits: [summary(1, "a"), summary(2, "b")] })).toBe("2 of 120 matches");
  });
});

describe("operator hints", () => {
  it("offers every operator on an empty field and those matching the last word", () => {
    expect(operatorHints("")).toHaveLength(OPERATORS.length);
    expect(operatorHints("invoice su").map((h) => h.op)).toEqual(["subject:"]);
    expect(operatorHints("has")).toEqual([{ op: "has:attachment", hint: "with attachments" }]);
    // A finished word or an operator already typed offers nothing.
    expect(operatorHints("invoice ")).toEqual([]);
    expect(operatorHints("from:ada")).toEqual([]);
  });

  it("replaces the last word with the operator taken", () => {
    expect(applyHint("invoice su", "subject:")).toBe("invoice subject:");
    expect(applyHint("", "from:")).toBe("from:");
  });
});
