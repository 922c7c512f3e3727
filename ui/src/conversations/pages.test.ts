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

  it("needs page 0 and the pages of the rows in view, each once", () => {
    expect(pagesFor([])).toEqual([0]);
    expect(pagesFor([95, 96, 97, 98, 99, 100, 101])).toEqual([0, 1]);
    expect(pagesFor([50_000, 49_990])).toEqual([0, 499, 500]);
  });

  it("counts conversations", () => {
    expect(conversationCount(0)).toBe("No conversations");
    expect(conversationCount(1)).toBe("1 conversation");
    expect(conversationCount(100_000)).toBe("100,000 conversations");
  });
});
