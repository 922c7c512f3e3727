// Unit tests for the conversation list's paging arithmetic and count line.
import { describe, expect, it } from "vitest";
import { conversationCount, locate, PAGE_SIZE, pageQuery, pagesFor } from "./pages";

describe("paging", () => {
  it("asks for one page of the route's list", () => {
    expect(pageQuery({ inbox: 2, label: 9 }, 3)).toEqual({ inbox: 2, label: 9, limit: PAGE_SIZE, offset: 300 });
    expect(pageQuery({ inbox: null, label: null }, 0)).toEqual({ inbox: null, label: null, limit: PAGE_SIZE, offset: 0 });
  });

  it("locates a row in its page", () => {
    expect(locate(0)).toEqual({ page: 0, row: 0 });
    expect(locate(99)).toEqual({ page: 0, row: 99 });
    expect(locate(12_345)).toEqual({ page: 123, row: 45 });
  });

  it("needs page 0, the pages of the rows in view and one on either side, each once", () => {
    expect(pagesFor(0, 0, 0)).toEqual([0]);
    expect(pagesFor(0, 20, 50)).toEqual([0]);
    expect(pagesFor(0, 20, 150)).toEqual([0, 1]);
    expect(pagesFor(95, 101, 1_000)).toEqual([0, 1, 2]);
    expect(pagesFor(49_990, 50_000, 100_000)).toEqual([0, 498, 499, 500, 501]);
    // The last page has none after it; a list whose total is not known yet has none either.
    expect(pagesFor(99_980, 99_999, 100_000)).toEqual([0, 998, 999]);
    expect(pagesFor(300, 320, 0)).toEqual([0, 2, 3]);
  });

  it("counts conversations", () => {
    expect(conversationCount(0)).toBe("No conversations");
    expect(conversationCount(1)).toBe("1 conversation");
    expect(conversationCount(100_000)).toBe("100,000 conversations");
  });
});
