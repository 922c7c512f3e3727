import { describe, expect, it } from "vitest";
import { applicable, labelOptions, newLabel, stateOf, withLabel } from "./labels";

describe("label menu options", () => {
  it("offers the user's labels and Gmail's applicable ones, never Unread, Trash, Sent or categories", () => {
    expect(applicable("Invoices")).toBe(true);
    expect(applicable("STARRED")).toBe(true);
    for (const name of ["UNREAD", "TRASH", "SENT", "DRAFT", "SPAM", "CATEGORY_UPDATES", "CHAT"]) {
      expect(applicable(name)).toBe(false);
    }
    const options = labelOptions(["INBOX", "UNREAD", "Invoices", "CATEGORY_UPDATES", "Clients"], [["INBOX", "Later"]], "");
    expect(options.map((o) => o.shown)).toEqual(["Inbox", "Starred", "Important", "Clients", "Invoices", "Later"]);
  });

  it("says whether a label is on all, some or none of the conversations", () => {
    const targets = [["Clients", "INBOX"], ["Clients"], ["INBOX"]];
    expect(stateOf("Clients", targets.slice(0, 2))).toBe("all");
    expect(stateOf("INBOX", targets)).toBe("some");
    expect(stateOf("Later", targets)).toBe("none");
    const states = Object.fromEntries(labelOptions([], targets, "").map((o) => [o.name, o.state]));
    expect(states).toMatchObject({ Clients: "some", INBOX: "some", STARRED: "none" });
  });

  it("filters by what was typed, in any case, and offers a new label only for a new name", () => {
    const options = labelOptions(["Invoices", "Clients"], [[]], "inv");
    expect(options.map((o) => o.name)).toEqual(["Invoices"]);
    expect(labelOptions(["Invoices"], [[]], "star").map((o) => o.name)).toEqual(["STARRED"]);
    expect(newLabel("  Follow-up ", options)).toBe("Follow-up");
    expect(newLabel("invoices", options)).toBeNull();
    expect(newLabel("starred", labelOptions([], [[]], "starred"))).toBeNull();
    expect(newLabel("   ", options)).toBeNull();
  });

  it("follows a change on every conversation acted on", () => {
    expect(withLabel([["A"], []], "B", true)).toEqual([["A", "B"], ["B"]]);
    expect(withLabel([["A", "B"], ["B"]], "B", false)).toEqual([["A"], []]);
    expect(withLabel([["B"]], "B", true)).toEqual([["B"]]);
  });
});
