// Unit tests for error mapping at the shell boundary and for the command wrappers.
import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...args: unknown[]) => invoke(...args) as unknown }));

const { conversations, errorTitle, getMessage, searchMessages, sendDraft, sidebar, thread, toApiError, UNKNOWN_ERROR_CODE } =
  await import("./api");
const { tauriSecureApi } = await import("./secure/api");

describe("toApiError", () => {
  it("keeps a {code, message} payload from helpr-core", () => {
    expect(toApiError({ code: "vault_locked", message: "vault locked: no key", extra: 1 })).toEqual({
      code: "vault_locked",
      message: "vault locked: no key",
    });
  });

  it("wraps a bare string rejection", () => {
    expect(toApiError("command list_messages not found")).toEqual({
      code: UNKNOWN_ERROR_CODE,
      message: "command list_messages not found",
    });
  });

  it("wraps a JavaScript Error", () => {
    expect(toApiError(new TypeError("ipc is undefined"))).toEqual({
      code: UNKNOWN_ERROR_CODE,
      message: "ipc is undefined",
    });
  });

  it("does not trust half-shaped objects", () => {
    expect(toApiError({ code: 3, message: "x" }).code).toBe(UNKNOWN_ERROR_CODE);
    expect(toApiError(null).code).toBe(UNKNOWN_ERROR_CODE);
  });
});

describe("errorTitle", () => {
  it("names known codes and falls back for others", () => {
    expect(errorTitle("vault_locked")).toBe("Vault locked");
    expect(errorTitle("not_found")).toBe("Not found");
    expect(errorTitle("not_initialized")).toBe("No vault here");
    expect(errorTitle("team_unreachable")).toBe("Team server unreachable");
    expect(errorTitle("secure_gone")).toBe("Secure message expired or revoked");
    expect(errorTitle("something_new")).toBe("Something went wrong");
  });
});

describe("command wrappers", () => {
  beforeEach(() => invoke.mockReset());

  it("calls the Rust commands by name with their arguments", async () => {
    invoke.mockResolvedValueOnce([]);
    await sidebar();
    expect(invoke).toHaveBeenCalledWith("sidebar", undefined);

    invoke.mockResolvedValueOnce({ total: 0, conversations: [] });
    await conversations({ inbox: 2, label: null, limit: 100, offset: 200 });
    expect(invoke).toHaveBeenCalledWith("conversations", {
      query: { inbox: 2, label: null, limit: 100, offset: 200 },
    });

    invoke.mockResolvedValueOnce({ thread_id: 3, subject: "", messages: [] });
    await thread(3);
    expect(invoke).toHaveBeenCalledWith("thread", { threadId: 3 });

    invoke.mockResolvedValueOnce({ id: 7 });
    await getMessage(7);
    expect(invoke).toHaveBeenCalledWith("get_message", { id: 7 });

    invoke.mockResolvedValueOnce({ total: 0, hits: [] });
    await searchMessages("from:ada", { limit: 50, offset: 100, sort: "relevance" });
    expect(invoke).toHaveBeenCalledWith("search_messages", {
      query: "from:ada",
      options: { limit: 50, offset: 100, sort: "relevance" },
    });
  });

  it("calls the secure-email commands with the names and arguments the shell takes", async () => {
    invoke.mockResolvedValue({});
    await tauriSecureApi.status(4);
    expect(invoke).toHaveBeenLastCalledWith("secure_status", { threadId: 4 });
    await tauriSecureApi.sync();
    expect(invoke).toHaveBeenLastCalledWith("secure_sync", undefined);
    await tauriSecureApi.revoke("AbC-12", 1);
    expect(invoke).toHaveBeenLastCalledWith("secure_revoke", { id: "AbC-12", recipient: 1 });
    await tauriSecureApi.revoke("AbC-12", null);
    expect(invoke).toHaveBeenLastCalledWith("secure_revoke", { id: "AbC-12", recipient: null });
    await tauriSecureApi.unlock("AbC-12", 0);
    expect(invoke).toHaveBeenLastCalledWith("secure_unlock", { id: "AbC-12", recipient: 0 });

    const draft = {
      id: 3,
      from: "shared@example.com",
      to: ["ada@example.com"],
      cc: [],
      bcc: [],
      subject: "Contract",
      body: "",
      reply_to: null,
      attachments: [],
      secure: { expires_in_days: 7, max_opens: 3 },
      updated_at: null,
    };
    await sendDraft(draft);
    expect(invoke).toHaveBeenLastCalledWith("send_draft", { draft });
  });

  it("rejects with an ApiError", async () => {
    invoke.mockRejectedValueOnce({ code: "not_found", message: "message 9 not found" });
    await expect(getMessage(9)).rejects.toEqual({ code: "not_found", message: "message 9 not found" });

    const queryError = { code: "invalid_input", message: "query error at column 9: subject: needs a value" };
    invoke.mockRejectedValueOnce(queryError);
    await expect(
      searchMessages("subject:", { limit: 50, offset: 0, sort: "date" }),
    ).rejects.toEqual(queryError);
  });
});
