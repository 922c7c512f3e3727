// Unit tests for the message frame's document: its CSP allows no fetch, the body is inside, and
// the blocked-image hosts are listed once each.
import { describe, expect, it } from "vitest";
import { blockedHosts, frameDocument, frameHeight, FRAME_CSP, FRAME_SANDBOX } from "./frame";

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
