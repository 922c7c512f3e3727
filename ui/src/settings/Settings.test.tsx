// Component tests of the settings panes against the stand-in shell: keys with rotate and a
// retirement's progress, doctor's verdict, the grace period's validation, the trash's restore
// and purge, and the audit log's filter, redaction and chain verdict.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AuditEntry, AuditQuery, RetireOutcome, RetireProgress, Trash } from "../api";
import { App } from "../app/App";
import { deferred, fakeApi, summary } from "../test/fakeApi";
import { graceProblem } from "./DataPane";
import { objectLabel, sinceOf } from "./AuditPane";

afterEach(cleanup);

const entry = (seq: number, action: string, objectId: number | null): AuditEntry => ({
  seq,
  at: 1_700_000_000 + seq,
  actor: "agent",
  action,
  object_kind: "message",
  object_ref: "ab".repeat(32),
  object_id: objectId,
  detail: "",
});

describe("settings → security", () => {
  it("lists key versions, rotates, and shows a retirement's progress until it ends", async () => {
    let keys = [
      { version: 1, active: false, records: 1_200 },
      { version: 2, active: true, records: 30 },
    ];
    const retire = deferred<RetireOutcome>();
    let report: (p: RetireProgress) => void = () => undefined;
    const api = fakeApi({
      listKeys: () => Promise.resolve(keys),
      rotateKey: vi.fn(() => {
        keys = [...keys.map((k) => ({ ...k, active: false })), { version: 3, active: true, records: 0 }];
        return Promise.resolve(3);
      }),
      retireKey: vi.fn((_v: number, onProgress: (p: RetireProgress) => void) => {
        report = onProgress;
        return retire.promise;
      }),
    });
    render(<App api={api} initialPath="/settings/security" />);
    await waitFor(() => expect(screen.getAllByTestId("key-row")).toHaveLength(2));
    fireEvent.click(screen.getByRole("button", { name: "Rotate key" }));
    expect((await screen.findByTestId("toast")).textContent).toContain("Key version 3 is now active");
    await waitFor(() => expect(screen.getAllByTestId("key-row")).toHaveLength(3));

    fireEvent.click(screen.getByRole("button", { name: "Retire v1" }));
    const bar = await screen.findByTestId("retire-progress");
    act(() => report({ done: 600, total: 1_200 }));
    expect(bar.textContent).toContain("600 / 1,200");
    expect(within(bar).getByRole("progressbar").getAttribute("value")).toBe("600");
    keys = keys.filter((k) => k.version !== 1);
    await act(async () => {
      retire.resolve({ status: "retired", resealed: 1_200 });
      await retire.promise;
    });
    expect((await screen.findByTestId("toast")).textContent).toContain("1,200 records re-sealed");
    await waitFor(() => expect(screen.queryByTestId("retire-progress")).toBeNull());
    await waitFor(() => expect(screen.getAllByTestId("key-row")).toHaveLength(2));
  });

  it("runs doctor and says what it found", async () => {
    const healthy = {
      vault: {
        schema_version: 11,
        cipher_version: "4.6.1",
        cipher_integrity_errors: [],
        integrity_errors: [],
        check_errors: [],
        messages: 120,
        attachments: 3,
        key_versions: 1,
        trashed: 0,
        orphans: [],
      },
      index: { docs: 120, vault_messages: 120, error: null },
    };
    const doctor = vi
      .fn()
      .mockResolvedValueOnce(healthy)
      .mockResolvedValueOnce({ ...healthy, vault: { ...healthy.vault, orphans: ["2 labels without inbox"] } });
    render(<App api={fakeApi({ doctor })} initialPath="/settings/security" />);
    fireEvent.click(await screen.findByRole("button", { name: "Run checks" }));
    expect((await screen.findByTestId("doctor-result")).textContent).toContain("All checks passed: 120 messages");
    fireEvent.click(screen.getByRole("button", { name: "Run checks" }));
    await waitFor(() => expect(screen.getByTestId("doctor-result").textContent).toContain("2 labels without inbox"));
  });
});

describe("settings → data", () => {
  it("validates the grace period and saves it", async () => {
    const setGraceDays = vi.fn(() => Promise.resolve(60));
    render(<App api={fakeApi({ setGraceDays })} initialPath="/settings/data" />);
    const field = await screen.findByLabelText("Deleted mail stays restorable for");
    await waitFor(() => expect((field as HTMLInputElement).value).toBe("60"));
    fireEvent.change(field, { target: { value: "400" } });
    expect(screen.getByText("The grace period is 1 to 365 days.")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Save" }).hasAttribute("disabled")).toBe(true);
    fireEvent.change(field, { target: { value: "30" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(setGraceDays).toHaveBeenCalledWith(30));
    expect((await screen.findByTestId("toast")).textContent).toContain("30 days");
  });

  it("restores from the trash and purges only after a confirmation", async () => {
    let trash: Trash = {
      messages: [
        { message: summary(4, "Old invoice"), deleted_at: 1_700_000_000, purge_after: 1_705_184_000, days_left: 12 },
        { message: summary(5, "Spam"), deleted_at: 1_700_000_000, purge_after: 1_700_000_000, days_left: 0 },
      ],
      inboxes: [],
    };
    const restoreMessages = vi.fn((ids: number[]) => {
      trash = { ...trash, messages: trash.messages.filter((m) => !ids.includes(m.message.id)) };
      return Promise.resolve({ restored: ids, gmail_pending: 0 });
    });
    const purgeMessages = vi.fn((ids: number[]) => Promise.resolve({ purged: ids.length }));
    render(
      <App api={fakeApi({ trash: () => Promise.resolve(trash), restoreMessages, purgeMessages })} initialPath="/settings/data" />,
    );
    const rows = await screen.findAllByTestId("trash-row");
    expect(rows.map((r) => within(r).getByTestId("days-left").textContent)).toEqual([
      "12 days left",
      "purged at the next purge",
    ]);
    fireEvent.click(screen.getByRole("button", { name: "Purge Spam now" }));
    expect(purgeMessages).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Purge" }));
    await waitFor(() => expect(purgeMessages).toHaveBeenCalledWith([5]));
    fireEvent.click(screen.getByRole("button", { name: "Restore Old invoice" }));
    await waitFor(() => expect(restoreMessages).toHaveBeenCalledWith([4]));
    await waitFor(() => expect(screen.queryAllByTestId("trash-row").map((r) => r.textContent)).not.toContain("Old invoice"));
  });

  it("knows a good grace period from a bad one", () => {
    expect(graceProblem("60")).toBeNull();
    expect(graceProblem("1")).toBeNull();
    expect(graceProblem("365")).toBeNull();
    for (const bad of ["0", "366", "-3", "4.5", "", "sixty"]) expect(graceProblem(bad)).not.toBeNull();
  });
});

describe("settings → audit log", () => {
  it("filters by action, shows purged objects as redacted, and verifies the chain", async () => {
    const queries: AuditQuery[] = [];
    const auditLog = vi.fn((q: AuditQuery) => {
      queries.push(q);
      return Promise.resolve([entry(1, "message.delete", 7), entry(2, "message.purge", null)]);
    });
    const auditVerify = vi.fn(() =>
      Promise.resolve({ entries: 2, intact: false, problems: ["entry 2 was edited"] }),
    );
    render(<App api={fakeApi({ auditLog, auditVerify })} initialPath="/settings/audit" />);
    const rows = await screen.findAllByTestId("audit-row");
    expect(rows[0]?.textContent).toContain("message 7 · abababababab…");
    expect(rows[1]?.textContent).toContain("(redacted)");
    fireEvent.change(screen.getByLabelText("Action"), { target: { value: "key." } });
    await waitFor(() => expect(queries.at(-1)).toEqual({ action: "key.", since: null }));
    fireEvent.click(screen.getByRole("button", { name: "Verify chain" }));
    const verdict = await screen.findByTestId("audit-verdict");
    expect(verdict.textContent).toContain("entry 2 was edited");
  });

  it("labels objects and reads dates", () => {
    expect(objectLabel({ ...entry(1, "vault.unlock", null), object_kind: null, object_ref: null })).toBe("—");
    expect(sinceOf("2026-03-01")).toBe(Math.floor(new Date("2026-03-01T00:00:00").getTime() / 1000));
    expect(sinceOf("")).toBeNull();
    expect(sinceOf("03/01/2026")).toBeNull();
  });
});

describe("settings → about", () => {
  it("shows the version and where the vault lives", async () => {
    render(<App api={fakeApi()} initialPath="/settings/about" />);
    const about = await screen.findByTestId("about");
    expect(about.textContent).toContain("helpr 0.1.0");
    expect(about.textContent).toContain("/home/agent/.local/share/helpr");
  });
});
