// Unit tests for the URL of a list and its parameters.
import { describe, expect, it } from "vitest";
import { listPath, parseId, routeOf, withParam } from "./route";

describe("route", () => {
  it("writes and reads the list's path", () => {
    expect(listPath({ inbox: null, label: null })).toBe("/");
    expect(listPath({ inbox: 3, label: null })).toBe("/inbox/3");
    expect(listPath({ inbox: 3, label: 7 })).toBe("/inbox/3/label/7");
    expect(routeOf({ inboxId: "3", labelId: "7" })).toEqual({ inbox: 3, label: 7 });
    expect(routeOf({ labelId: "7" })).toEqual({ inbox: null, label: null });
  });

  it("accepts only positive integer ids", () => {
    expect(parseId("42")).toBe(42);
    for (const bad of [undefined, null, "", "0", "-1", "1e3", "abc", "4.2", "99999999999999999"]) {
      expect(parseId(bad)).toBeNull();
    }
  });

  it("sets and removes query parameters", () => {
    const p = new URLSearchParams("q=a&t=3");
    expect(withParam(p, "t", null).toString()).toBe("q=a");
    expect(withParam(p, "q", "from:ada x").toString()).toBe("q=from%3Aada+x&t=3");
    expect(p.toString()).toBe("q=a&t=3");
  });
});
