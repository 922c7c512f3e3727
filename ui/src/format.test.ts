// Unit tests for the pure formatting helpers.
import { describe, expect, it } from "vitest";
import { displaySubject, formatAddresses, formatDayTime, formatFullDate, formatListDate, formatSize } from "./format";

/** Unix seconds for a local wall-clock time, so tests hold in every timezone. */
function local(y: number, mo: number, d: number, h = 0, mi = 0): number {
  return new Date(y, mo - 1, d, h, mi).getTime() / 1000;
}

describe("formatDayTime", () => {
  const now = new Date(2024, 5, 15, 18, 30);

  it("shows day, month and time, with the year only when it is not this one", () => {
    expect(formatDayTime(local(2024, 12, 3, 14, 2), now)).toBe("3 Dec 14:02");
    expect(formatDayTime(local(2025, 1, 9, 8, 0), now)).toBe("9 Jan 2025 08:00");
    expect(formatDayTime(Number.NaN, now)).toBe("");
  });
});

describe("formatListDate", () => {
  const now = new Date(2024, 5, 15, 18, 30); // 2024-06-15 18:30 local

  it("shows the time for a message from today", () => {
    expect(formatListDate(local(2024, 6, 15, 9, 5), now)).toBe("09:05");
  });

  it("shows month and day for an earlier day this year", () => {
    expect(formatListDate(local(2024, 6, 14, 23, 59), now)).toBe("Jun 14");
    expect(formatListDate(local(2024, 1, 3), now)).toBe("Jan 3");
  });

  it("shows the full date for an earlier year", () => {
    expect(formatListDate(local(2023, 12, 31, 12), now)).toBe("2023-12-31");
  });

  it("returns nothing for an unrepresentable date", () => {
    expect(formatListDate(Number.NaN, now)).toBe("");
  });
});

describe("formatFullDate", () => {
  it("formats date and minutes with zero padding", () => {
    expect(formatFullDate(local(2024, 3, 4, 7, 8))).toBe("2024-03-04 07:08");
  });
});

describe("formatSize", () => {
  it.each([
    [0, "0 B"],
    [512, "512 B"],
    [1536, "1.5 KB"],
    [10 * 1024, "10 KB"],
    [5 * 1024 * 1024, "5.0 MB"],
    [-1, ""],
  ])("formats %d bytes as %j", (bytes, expected) => {
    expect(formatSize(bytes)).toBe(expected);
  });
});

describe("address and subject display", () => {
  it("joins addresses with commas", () => {
    expect(formatAddresses(["a@example.com", "b@example.com"])).toBe("a@example.com, b@example.com");
    expect(formatAddresses([])).toBe("");
  });

  it("gives an empty subject a placeholder", () => {
    expect(displaySubject("  ")).toBe("(no subject)");
    expect(displaySubject("Hello")).toBe("Hello");
  });
});
