// The pure logic of collision detection: who else is named (never the user), how, and when a
// send must be confirmed first.
import { describe, expect, it } from "vitest";
import { assigneeNames, joinNames, newestMessage, presenceLines, sendQuestion } from "./collide";

const names = new Map([
  [1, "Ada"],
  [2, "Bob"],
  [3, "Cy"],
]);

describe("collision detection", () => {
  it("joins names as a sentence", () => {
    expect(joinNames([])).toBe("");
    expect(joinNames(["Ada"])).toBe("Ada");
    expect(joinNames(["Ada", "Bob"])).toBe("Ada and Bob");
    expect(joinNames(["Ada", "Bob", "Cy"])).toBe("Ada, Bob and Cy");
  });

  it("names the others viewing and writing, never the user, and a writer only once", () => {
    expect(presenceLines({ viewing: [1], composing: [] }, 1, names)).toEqual([]);
    expect(presenceLines({ viewing: [1, 2, 3], composing: [3] }, 1, names)).toEqual([
      "Bob is viewing",
      "Cy is writing a reply",
    ]);
    expect(presenceLines({ viewing: [2, 3, 9], composing: [] }, 1, names)).toEqual([
      "Bob, Cy and A teammate are viewing",
    ]);
    expect(presenceLines({ viewing: [], composing: [2, 3] }, null, names)).toEqual(["Bob and Cy are writing a reply"]);
  });

  it("names the assignees", () => {
    expect(assigneeNames([2, 1], names)).toBe("Bob and Ada");
  });

  it("takes the highest message id as the newest", () => {
    expect(newestMessage(undefined)).toBeNull();
    expect(newestMessage([])).toBeNull();
    expect(newestMessage([{ id: 12 }, { id: 30 }, { id: 20 }])).toBe(30);
  });

  it("asks before sending while another agent writes a reply", () => {
    expect(sendQuestion({ viewing: [2], composing: [1, 2] }, 1, names, 10, 10)).toBe(
      "Bob is writing a reply to this conversation. Send anyway?",
    );
    // The user's own composing (this composer) asks nothing.
    expect(sendQuestion({ viewing: [1], composing: [1] }, 1, names, 10, 10)).toBeNull();
  });

  it("asks before sending when a newer message arrived after the composer opened", () => {
    expect(sendQuestion({ viewing: [], composing: [] }, 1, names, 10, 11)).toBe(
      "A newer message arrived in this conversation after you started this reply. Send anyway?",
    );
    expect(sendQuestion({ viewing: [], composing: [2] }, 1, names, 10, 11)).toBe(
      "Bob is writing a reply to this conversation. A newer message arrived in this conversation after you started this reply. Send anyway?",
    );
  });

  it("does not ask when nothing is known (offline, not signed in, no thread)", () => {
    expect(sendQuestion({ viewing: [], composing: [] }, null, new Map(), 10, 10)).toBeNull();
    expect(sendQuestion({ viewing: [], composing: [] }, null, new Map(), null, 11)).toBeNull();
    expect(sendQuestion({ viewing: [], composing: [] }, null, new Map(), 10, null)).toBeNull();
  });
});
