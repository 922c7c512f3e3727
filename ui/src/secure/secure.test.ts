// Unit tests for secure email's pure parts: which From may send securely, the menus keeping a
// draft's own values, the words for a thread's life and a reader's state, and the message an
// action that never reached the server gets.
import { describe, expect, it } from "vitest";
import type { SidebarInbox } from "../api";
import type { TeamStatus } from "../team/api";
import { inboxes } from "../test/fakeApi";
import { local, secureView } from "../test/fakeSecure";
import {
  actionError,
  expiryChoices,
  expiryText,
  isSharedAddress,
  opensChoices,
  opensLabel,
  readerText,
} from "./secure";

const team = { inboxes: [{ local_inbox: 2 }, { local_inbox: null }] } as unknown as TeamStatus;

describe("which From sends securely", () => {
  it("is a vault inbox holding a shared inbox, matched by address whatever its case", () => {
    const sidebar: SidebarInbox[] = inboxes;
    expect(isSharedAddress("Support@Example.com", sidebar, team)).toBe(true);
    expect(isSharedAddress("local", sidebar, team)).toBe(false);
    expect(isSharedAddress("nobody@example.com", sidebar, team)).toBe(false);
    // Core picks the account of a draft without From: nothing to say it is shared.
    expect(isSharedAddress(null, sidebar, team)).toBe(false);
    expect(isSharedAddress("support@example.com", sidebar, null)).toBe(false);
    expect(isSharedAddress("support@example.com", undefined, team)).toBe(false);
  });
});

describe("the compose menus", () => {
  it("offer the usual choices and keep a draft's own value", () => {
    expect(expiryChoices(null)).toEqual([1, 7, 28, 90]);
    expect(expiryChoices(14)).toEqual([1, 7, 14, 28, 90]);
    expect(opensChoices(null)).toEqual([null, 1, 3, 10]);
    expect(opensChoices(5)).toEqual([null, 1, 3, 10, 5]);
    expect(opensLabel(null)).toBe("No limit");
    expect(opensLabel(1)).toBe("1 open");
  });
});

describe("the panel's words", () => {
  const now = new Date(2026, 11, 7, 10, 0);

  it("say revoked before expired, and expired once the time passed even before the server said so", () => {
    expect(expiryText(secureView(), now)).toBe("Expires 4 Jan 2027 10:00");
    expect(expiryText(secureView({ revoked: true, expired: true }), now)).toBe("Revoked");
    expect(expiryText(secureView({ expired: true }), now)).toBe("Expired");
    expect(expiryText(secureView({ expires_at: local(2026, 12, 7, 9, 59) }), now)).toBe("Expired");
  });

  it("name a reader's latest read", () => {
    const reads = [local(2026, 12, 2, 8, 30), local(2026, 12, 3, 14, 2)];
    expect(readerText({ n: 0, address: "a@x", state: "read", reads, locked_at: null }, now)).toBe("Read 3 Dec 14:02");
  });

  it("make an unreachable server's failure say that nothing happened", () => {
    const e = actionError({ code: "team_unreachable", message: "connection refused" }, "the unlock");
    expect(e.code).toBe("team_unreachable");
    expect(e.message).toMatch(/^The team server could not be reached, so the unlock did not happen\..*connection refused/);
    const other = { code: "secure_gone", message: "the message expired" };
    expect(actionError(other, "the unlock")).toBe(other);
  });
});
