import { describe, expect, it } from "vitest";
import { sharedLocalInboxes } from "../sidebar/Sidebar";
import type { TeamInboxEntry, TeamStatus } from "./api";
import { wantsSync } from "./useTeam";

function entry(id: number, local: number | null): TeamInboxEntry {
  return {
    id,
    name: `Inbox ${id}`,
    access: { role: "agent", via: "member", assigned_only: false },
    assigned_conversations: null,
    local_inbox: local,
    override_until: null,
  };
}

describe("team inboxes in the sidebar", () => {
  it("sets apart exactly the vault inboxes that hold a shared inbox", () => {
    const status = { inboxes: [entry(1, 7), entry(2, null), entry(3, 9)] } as unknown as TeamStatus;
    expect([...sharedLocalInboxes(status)].sort()).toEqual([7, 9]);
    expect(sharedLocalInboxes(null).size).toBe(0);
  });
});

describe("team updates that sync", () => {
  it("syncs after a snapshot is applied and when Gmail changed conversations, not otherwise", () => {
    expect(wantsSync({ kind: "applied", seq: 3, report: { removed_inboxes: [], purged_messages: 0 } })).toBe(true);
    expect(wantsSync({ kind: "conversations", inbox: 1, threads: ["t"] })).toBe(true);
    expect(wantsSync({ kind: "connected", seq: 3, replayed: true })).toBe(false);
    expect(wantsSync({ kind: "organization", seq: 4 })).toBe(false);
    expect(
      wantsSync({ kind: "presence", conversation: { inbox: 1, thread: "t" }, viewing: [2], composing: [] }),
    ).toBe(false);
  });
});
