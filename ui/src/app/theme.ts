// The colour theme: follow the OS (the default) or force light or dark. The choice is kept in
// localStorage (not mail: a display preference) and applied as `data-theme` on <html>, which the
// stylesheet's custom properties read.

export type Theme = "system" | "light" | "dark";

const KEY = "helpr.theme";

function isTheme(value: unknown): value is Theme {
  return value === "system" || value === "light" || value === "dark";
}

/** The stored choice, or "system". */
export function storedTheme(): Theme {
  try {
    const value = localStorage.getItem(KEY);
    return isTheme(value) ? value : "system";
  } catch {
    return "system";
  }
}

/** Applies `theme` to the document. */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  if (theme === "system") root.removeAttribute("data-theme");
  else root.setAttribute("data-theme", theme);
}

/** Stores and applies `theme`. */
export function setTheme(theme: Theme): void {
  try {
    if (theme === "system") localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, theme);
  } catch {
    // Storage unavailable: the choice lasts until the window closes.
  }
  applyTheme(theme);
}
