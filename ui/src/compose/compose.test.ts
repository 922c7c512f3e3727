import { describe, expect, it } from "vitest";
import { emptyDraft } from "../test/fakeApi";
import { attachmentSize, composeTitle, fromInboxInView, sendBlocker, splitAddresses, toBase64 } from "./compose";

describe("recipients", () => {
  it("split on commas and semicolons, keeping quoted names and angle brackets whole", () => {
    expect(splitAddresses('Ana <a@x.org>, "Doe, Jo" <j@x.org>; b@x.org,, ')).toEqual([
      "Ana <a@x.org>",
      '"Doe, Jo" <j@x.org>',
      "b@x.org",
    ]);
    expect(splitAddresses("  ")).toEqual([]);
  });
});

describe("attachments", () => {
  it("encode bytes as base64 and know their decoded size", () => {
    const bytes = new Uint8Array([0, 255, 1, 2, 3]);
    const data = toBase64(bytes);
    expect(data).toBe("AP8BAgM=");
    expect(attachmentSize({ name: "a", content_type: "", data })).toBe(5);
  });

  it("encode large files without overflowing the call stack", () => {
    const big = new Uint8Array(200_000).fill(65);
    expect(atob(toBase64(big)).length).toBe(200_000);
  });
});

describe("sending", () => {
  it("needs a recipient, and a subject unless it is a reply", () => {
    expect(sendBlocker(emptyDraft(null))).toMatch(/recipient/);
    expect(sendBlocker({ ...emptyDraft(null), to: ["a@x.org"] })).toMatch(/subject/);
    expect(sendBlocker({ ...emptyDraft(null), to: ["a@x.org"], subject: "Hi" })).toBeNull();
    expect(sendBlocker(emptyDraft(11))).toBeNull();
  });

  it("titles the composer by its mode", () => {
    expect(composeTitle("reply_all")).toBe("Reply all");
    expect(composeTitle("new")).toBe("New message");
  });
});

describe("fromInboxInView", () => {
  const inboxes = [
    { inbox_id: 3, address: "support@acme.test", kind: "gmail" as const, conversations: 0, unread: 0, health: null, labels: [] },
    { inbox_id: 4, address: "archive", kind: "local" as const, conversations: 0, unread: 0, health: null, labels: [] },
  ];

  it("sends a new message from the Gmail inbox in view", () => {
    expect(fromInboxInView(emptyDraft(null), "new", 3, inboxes).from).toBe("support@acme.test");
  });

  it("leaves a reply, a chosen sender, a local inbox and no inbox as they were", () => {
    expect(fromInboxInView(emptyDraft(null), "reply", 3, inboxes).from).toBeNull();
    expect(fromInboxInView({ ...emptyDraft(null), from: "me@x.test" }, "new", 3, inboxes).from).toBe("me@x.test");
    expect(fromInboxInView(emptyDraft(null), "new", 4, inboxes).from).toBeNull();
    expect(fromInboxInView(emptyDraft(null), "new", null, inboxes).from).toBeNull();
  });
});
