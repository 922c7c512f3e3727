// The document a sanitized HTML body is shown in: a sandboxed iframe's `srcdoc` (no scripts, no
// same origin) whose own Content-Security-Policy allows no network fetch at all, only inline
// styles and `data:` images. Remote images stay `helpr-remote:N` placeholders (a scheme nothing
// fetches) and are hidden until the reader asks for them; then core fetches them and
// `withImages` puts the `data:` URLs in. Pure: unit-tested.

/**
 * Nothing leaves the frame: no fetch, no form, no frame, no base; styles, data: images and the
 * message's own inline images from the vault (the shell's `helpr-cid` scheme) only. No http(s)
 * source at all: on Windows, where WebView2 names custom schemes `http://<scheme>.localhost`,
 * inline images would stay hidden rather than open the frame to http.
 */
export const FRAME_CSP =
  "default-src 'none'; img-src data: helpr-cid:; style-src 'unsafe-inline'; font-src data:; " +
  "form-action 'none'; base-uri 'none'; frame-src 'none'";

/** The iframe `sandbox` attribute: empty, so no scripts, no same origin, no popups, no forms. */
export const FRAME_SANDBOX = "";

const FRAME_STYLE = `
html { color-scheme: light; }
body { margin: 0; padding: 12px 16px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI",
  Roboto, "Noto Sans", sans-serif; color: #1d2127; background: #fff; overflow-wrap: anywhere; }
img { max-width: 100%; height: auto; }
img[src^="helpr-remote:"] { visibility: hidden; }
table { max-width: 100%; }
blockquote { margin: 0 0 0 4px; padding-left: 10px; border-left: 2px solid #d0d4da; color: #555; }
pre { white-space: pre-wrap; }
`;

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
}

/**
 * The body with loaded remote images in place: each `helpr-remote:N` with a `data:` URL core
 * fetched (`images[N]`); one that failed, or was not loaded, stays a hidden placeholder.
 */
export function withImages(sanitizedHtml: string, images: readonly (string | null)[]): string {
  return sanitizedHtml.replace(/helpr-remote:(\d+)(?!\d)/g, (placeholder, index: string) => {
    const image = images[Number(index)];
    return image !== undefined && image !== null && image.startsWith("data:image/") ? image : placeholder;
  });
}

/**
 * The body with its inline images pointed at the vault: the sanitizer wrote each `cid:X` as
 * `helpr-cid:X`; `url(X)` says where the shell serves it.
 */
export function withInlineImages(sanitizedHtml: string, url: (contentId: string) => string): string {
  return sanitizedHtml.replace(/(src=")helpr-cid:([^"]*)"/g, (_all, prefix: string, cid: string) => {
    const raw = cid.replace(/&amp;/g, "&");
    return `${prefix}${url(raw).replace(/&/g, "&amp;").replace(/"/g, "&quot;")}"`;
  });
}

/** The whole `srcdoc` for a sanitized body. */
export function frameDocument(sanitizedHtml: string): string {
  return (
    "<!doctype html><html><head><meta charset=\"utf-8\">" +
    `<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(FRAME_CSP)}">` +
    '<meta name="referrer" content="no-referrer">' +
    `<style>${FRAME_STYLE}</style></head><body>${sanitizedHtml}</body></html>`
  );
}

/**
 * The frame's height, estimated from the plain-text body (the frame is opaque to the app: it can
 * not be measured without same-origin). Long mail scrolls inside the frame.
 */
export function frameHeight(text: string, html: string): number {
  const lines = text === "" ? Math.ceil(html.length / 90) : text.split("\n").length;
  return Math.max(160, Math.min(1400, 40 + lines * 21));
}

/** The distinct hosts of blocked remote image URLs, for "what was blocked". */
export function blockedHosts(urls: readonly string[]): string[] {
  const hosts = new Set<string>();
  for (const url of urls) {
    try {
      hosts.add(new URL(url).host);
    } catch {
      hosts.add(url.slice(0, 60));
    }
  }
  return [...hosts].sort();
}
