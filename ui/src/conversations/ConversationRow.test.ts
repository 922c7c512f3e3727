// Unit tests for the row's sender name.
import { describe, expect, it } from "vitest";
import { senderName } from "./ConversationRow";

describe("senderName", () => {
  it("takes the display name, else the address", () => {
    expect(senderName("Ada Lovelace <ada@example.com>")).toBe("Ada Lovelace");
    expect(senderName('"Lovelace, Ada" <ada@example.com>')).toBe("Lovelace, Ada");
    expect(senderName("<ada@example.com>")).toBe("ada@example.com");
    expect(senderName("ada@example.com")).toBe("ada@example.com");
  });
});
