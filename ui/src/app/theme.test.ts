// Unit tests for the theme choice: stored, applied to <html>, "system" removes the override.
import { afterEach, describe, expect, it } from "vitest";
import { applyTheme, setTheme, storedTheme } from "./theme";

afterEach(() => {
  localStorage.clear();
  document.documentElement.removeAttribute("data-theme");
});

describe("theme", () => {
  it("follows the system until a theme is chosen", () => {
    expect(storedTheme()).toBe("system");
    setTheme("dark");
    expect(storedTheme()).toBe("dark");
    expect(document.documentElement.getAttribute("data-theme")).toBe("dark");
    setTheme("system");
    expect(storedTheme()).toBe("system");
    expect(document.documentElement.hasAttribute("data-theme")).toBe(false);
  });

  it("ignores a stored value it does not know", () => {
    localStorage.setItem("helpr.theme", "purple");
    expect(storedTheme()).toBe("system");
    applyTheme("light");
    expect(document.documentElement.getAttribute("data-theme")).toBe("light");
  });
});
