// Unit test: a value is made once per source object.
import { describe, expect, it, vi } from "vitest";
import { memoByObject } from "./memo";

describe("memoByObject", () => {
  it("makes one value per object and a new one for a new object", () => {
    const make = vi.fn((o: { n: number }) => ({ twice: o.n * 2 }));
    const of = memoByObject(make);
    const a = { n: 1 };
    expect(of(a)).toBe(of(a));
    expect(of({ n: 1 })).not.toBe(of(a));
    expect(make).toHaveBeenCalledTimes(2);
  });
});
