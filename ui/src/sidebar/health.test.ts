// Unit tests for what the sidebar says about an inbox's health and its labels.
import { describe, expect, it } from "vitest";
import type { InboxHealth } from "../api";
import { labelName, splitError, summarize } from "./health";

const base: InboxHealth = {
  inbox_id: 2,
  address: "support@example.com",
  account: "connected",
  state: "idle",
  last_sync_at: 1_700_000_000,
  last_error: null,
  done: 0,
  total: 0,
  messages: 10,
  rejected: 0,
  outbox_pending: 0,
  outbox_error: null,
};

describe("summarize", () => {
  it("says up to date for a local inbox and an idle Gmail one", () => {
    expect(summarize(null).kind).toBe("ok");
    expect(summarize(base)).toEqual({ kind: "ok", label: "Up to date", reason: null, progress: null });
  });

  it("shows sync progress n / N", () => {
    const s = summarize({ ...base, state: "full_sync", done: 1_000, total: 4_000 });
    expect(s).toEqual({ kind: "syncing", label: "Syncing 1,000 / 4,000", reason: null, progress: 0.25 });
    expect(summarize({ ...base, state: "listing" }).label).toBe("Syncing…");
  });

  it("asks to reconnect with the reason", () => {
    const s = summarize({
      ...base,
      account: "reconnect_needed",
      state: "error",
      last_error: "reconnect_needed: Google refused the refresh token (invalid_grant)",
    });
    expect(s.kind).toBe("reconnect");
    expect(s.reason).toBe("Google refused the refresh token (invalid_grant)");
  });

  it("tells offline or rate-limited apart from other failures", () => {
    const offline = summarize({ ...base, state: "error", last_error: "gmail_unavailable: gave up after 5 tries (429)" });
    expect([offline.kind, offline.label]).toEqual(["offline", "Offline or rate-limited"]);
    const failed = summarize({ ...base, state: "error", last_error: "storage: disk full" });
    expect([failed.kind, failed.reason]).toEqual(["error", "disk full"]);
    expect(summarize({ ...base, account: "disconnected" }).kind).toBe("disconnected");
  });

  it("splits a recorded error", () => {
    expect(splitError("code: a: b")).toEqual({ code: "code", message: "a: b" });
    expect(splitError("bare")).toEqual({ code: "bare", message: "bare" });
  });
});

describe("labelName", () => {
  it("names system labels, hides the internal ones, keeps the user's", () => {
    expect(labelName("INBOX")).toBe("Inbox");
    expect(labelName("SENT")).toBe("Sent");
    expect(labelName("UNREAD")).toBeNull();
    expect(labelName("CATEGORY_PROMOTIONS")).toBeNull();
    expect(labelName("Invoices/2024")).toBe("Invoices/2024");
  });
});
