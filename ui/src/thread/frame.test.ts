// Unit tests for the message frame's document: its CSP allows no fetch, the body is inside, and
// the blocked-image hosts are listed once each.
import { describe, expect, it } from "vitest";
import { blockedHosts, frameDocument, frameHeight, FRAME_CSP, FRAME_SANDBOX, withImages, withInlineImages } from "./frame";

describe("frameDocument", () => {
  it("wraps the body under a CSP that fetches nothing", () => {
    const doc = frameDocument('<p>Hi</p><img src="helpr-remote:0">');
    expect(doc).toContain(`<meta http-equiv="Content-Security-Policy" content="${FRAME_CSP}">`);
    expect(doc).toContain('<body><p>Hi</p><img src="helpr-remote:0"></body>');
    for (const directive of ["default-src 'none'", "img-src data:", "form-action 'none'", "frame-src 'none'"]) {
      expect(FRAME_CSP).toContain(directive);
    }
    expect(FRAME_CSP).not.toMatch(/https?:|\*|'self'|script-src/);
    expect(FRAME_SANDBOX).toBe("");
  });
});

describe("frameHeight", () => {
  it("grows with the text and stays within bounds", () => {
    expect(frameHeight("one line", "<p>x</p>")).toBe(160);
    expect(frameHeight("x\n".repeat(30), "")).toBe(40 + 31 * 21);
    expect(frameHeight("x\n".repeat(5_000), "")).toBe(1400);
  });
});

describe("blockedHosts", () => {
  it("lists each host once, sorted", () => {
    expect(
      blockedHosts(["https://t.example.com/p.gif?u=1", "http://cdn.example.org/a.png", "https://t.example.com/q"]),
    ).toEqual(["cdn.example.org", "t.example.com"]);
  });
});

describe("withImages", () => {
  it("puts each loaded data: image in its placeholder and leaves failed ones hidden", () => {
    const html = '<img src="helpr-remote:0"><img src="helpr-remote:1"><img src="helpr-remote:10">';
    const images = ["data:image/png;base64,AAA", null];
    expect(withImages(html, images)).toBe(
      '<img src="data:image/png;base64,AAA"><img src="helpr-remote:1"><img src="helpr-remote:10">',
    );
  });

  it("never puts anything but a data: image in", () => {
    expect(withImages('<img src="helpr-remote:0">', ["https://track.example/p.gif"])).toBe('<img src="helpr-remote:0">');
    expect(withImages('<img src="helpr-remote:0">', ["data:text/html,<script>"])).toBe('<img src="helpr-remote:0">');
  });
});

describe("withInlineImages", () => {
  it("points each cid image at the vault's scheme, escaped for the attribute", () => {
    const html = '<img src="helpr-cid:logo@x"><img src="helpr-cid:a&amp;b"><p>helpr-cid:text</p>';
    const out = withInlineImages(html, (cid) => `helpr-cid://localhost/7%2F${encodeURIComponent(cid)}`);
    expect(out).toBe(
      '<img src="helpr-cid://localhost/7%2Flogo%40x"><img src="helpr-cid://localhost/7%2Fa%26b"><p>helpr-cid:text</p>',
    );
  });
});
