// The recipient's page of a secure message (docs/secure-email.md, issue 17).
//
// The link is https://SERVER/s/{id}#{K_link}. The reader proves their address with a mailed
// one-time code; the server then releases K_server and a session token. This script derives
// K = HKDF-SHA256(K_link || K_server, salt empty, info "helpr secure email v1") with WebCrypto,
// opens each entry of the thread (AES-256-GCM, nonce(12) || ciphertext || tag, the associated
// data binding the part to "{id}/{n}" and its label), shows it, downloads attachments on demand,
// and seals the reader's reply the same way before it leaves the browser.
//
// Rules this file keeps: the server allows it by its SHA-256, so it stays ASCII; manifests come
// from outsiders, so the DOM is built with createElement and textContent only; nothing decrypted
// is shown unless every part of the thread opened; the fragment is never sent anywhere.
// Each step is a section of page.html; body[data-state] names the one shown (address, code,
// loading, thread, error, broken, incomplete) so tests can wait on it.

"use strict";

(() => {
  const SCHEME = "helpr-secure/v1";
  const INFO = "helpr secure email v1";
  const NONCE_LEN = 12;
  const TAG_LEN = 16;
  const STORAGE_PREFIX = "helpr-secure:";
  // A reply sealed as entry n is refused (conflict) when another took n first: read the thread
  // and seal again, this many times at most.
  const REPLY_TRIES = 3;
  // The last character of unpadded base64url that leaves no stray bits: 32 bytes (43
  // characters) end in one of these, 16 bytes (22 characters) in one of the second.
  const KEY_LAST = "AEIMQUYcgkosw048";
  const ID_LAST = "AQgw";

  const encoder = new TextEncoder();
  const decoder = new TextDecoder("utf-8", { fatal: true });

  const SENTENCES = {
    incomplete: "This link is incomplete. Open the link from your email again, in full.",
    broken: "This message cannot be opened: the link is damaged, or the message was altered.",
    notFound: "This secure message does not exist or was deleted.",
    gone: "This secure message is no longer available.",
    noCrypto:
      "This browser cannot decrypt the message. Open the link in an up-to-date browser.",
    network: "The server could not be reached. Check your connection, then try again.",
    wrongCode:
      "That code is not right, or it is no longer valid. Check the latest email we sent, or send a new code.",
    rateLimited: "Too many tries for now. Wait a few minutes, then try again.",
    sessionOver: "Your session has ended. Enter your address to get a new code.",
    tooLarge: "The reply is too large to send. Remove an attachment, then try again.",
    server: "Something went wrong on the server. Try again in a moment.",
    page: "Something went wrong in this page. Reload it, then try again.",
    badAnswer: "The server sent an answer this page cannot read. Try again in a moment.",
    loadFailed: "The message could not be opened just now.",
    addressNeeded: "Enter the email address this message was sent to.",
    codeNeeded: "Enter the 6 digits from the email.",
    replyEmpty: "Write a reply or attach a file first.",
    replyRace: "Someone else wrote in this thread at the same moment. Send your reply again.",
  };

  /** A part that does not open: wrong link, altered data, or a part in the wrong place. */
  class Broken extends Error {}

  /** An API call that failed: status 0 and code "network" when no answer came. */
  class ApiError extends Error {
    constructor(status, code, message) {
      super(code || String(status));
      this.status = status;
      this.code = code;
      this.serverMessage = message;
    }
  }

  const app = {
    id: "",
    linkKey: null,
    address: "",
    session: null,
    key: null,
    entries: [],
    expiresAt: 0,
    // What the stop page's Try again does, if anything.
    retry: null,
  };

  const el = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- encodings

  /** Strict unpadded base64url of `bytes` bytes; null for anything else. */
  function fromBase64Url(text, bytes) {
    const length = Math.ceil((bytes * 4) / 3);
    const last = bytes === 32 ? KEY_LAST : ID_LAST;
    if (typeof text !== "string" || text.length !== length) return null;
    if (!/^[A-Za-z0-9_-]+$/.test(text) || !last.includes(text[length - 1])) return null;
    const standard = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = standard + "=".repeat((4 - (standard.length % 4)) % 4);
    const out = binaryToBytes(atob(padded));
    return out.length === bytes ? out : null;
  }

  function binaryToBytes(binary) {
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) out[i] = binary.charCodeAt(i);
    return out;
  }

  /** Standard, padded base64 (what the API carries) to bytes; throws Broken when malformed. */
  function fromBase64(text) {
    if (typeof text !== "string" || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
      throw new Broken("not base64");
    }
    try {
      return binaryToBytes(atob(text));
    } catch (_) {
      throw new Broken("not base64");
    }
  }

  function toBase64(bytes) {
    if (typeof bytes.toBase64 === "function") return bytes.toBase64();
    const chunk = 0x8000;
    let binary = "";
    for (let i = 0; i < bytes.length; i += chunk) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + chunk));
    }
    return btoa(binary);
  }

  // ---------------------------------------------------------------- crypto

  /** len || "helpr-secure/v1" || len || message || len || label, each len one byte. */
  function associatedData(message, label) {
    const pieces = [SCHEME, message, label].map((piece) => encoder.encode(piece));
    const out = new Uint8Array(pieces.reduce((sum, piece) => sum + 1 + piece.length, 0));
    let at = 0;
    for (const piece of pieces) {
      if (piece.length > 255) throw new Error("an id or label over 255 bytes");
      out[at] = piece.length;
      out.set(piece, at + 1);
      at += 1 + piece.length;
    }
    return out;
  }

  async function messageKey() {
    if (app.key) return app.key;
    const server = fromBase64Url(app.session.key_server, 32);
    if (!server) throw new ApiError(200, "bad_answer", "");
    const ikm = new Uint8Array(64);
    ikm.set(app.linkKey, 0);
    ikm.set(server, 32);
    try {
      const base = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveKey"]);
      app.key = await crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(INFO) },
        base,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
    } finally {
      ikm.fill(0);
      server.fill(0);
    }
    return app.key;
  }

  async function openPart(message, label, sealed) {
    if (sealed.length < NONCE_LEN + TAG_LEN) throw new Broken("too short");
    const key = await messageKey();
    try {
      const plain = await crypto.subtle.decrypt(
        {
          name: "AES-GCM",
          iv: sealed.subarray(0, NONCE_LEN),
          additionalData: associatedData(message, label),
          tagLength: TAG_LEN * 8,
        },
        key,
        sealed.subarray(NONCE_LEN),
      );
      return new Uint8Array(plain);
    } catch (_) {
      throw new Broken("does not open");
    }
  }

  async function sealPart(message, label, plain) {
    const key = await messageKey();
    const nonce = crypto.getRandomValues(new Uint8Array(NONCE_LEN));
    const sealed = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: "AES-GCM", iv: nonce, additionalData: associatedData(message, label), tagLength: TAG_LEN * 8 },
        key,
        plain,
      ),
    );
    const out = new Uint8Array(NONCE_LEN + sealed.length);
    out.set(nonce, 0);
    out.set(sealed, NONCE_LEN);
    return out;
  }

  /** A manifest as the contract has it, or Broken: it was sealed, so anything else is altered. */
  function readManifest(plain, sealedAttachments) {
    let manifest;
    try {
      manifest = JSON.parse(decoder.decode(plain));
    } catch (_) {
      throw new Broken("manifest is not JSON");
    }
    const isText = (value) => typeof value === "string";
    const ok =
      manifest !== null &&
      typeof manifest === "object" &&
      isText(manifest.subject) &&
      isText(manifest.body) &&
      Array.isArray(manifest.attachments) &&
      manifest.attachments.length === sealedAttachments &&
      manifest.attachments.every(
        (a) =>
          a !== null &&
          typeof a === "object" &&
          isText(a.name) &&
          isText(a.content_type) &&
          Number.isSafeInteger(a.size) &&
          a.size >= 0,
      );
    if (!ok) throw new Broken("manifest is malformed");
    return manifest;
  }

  // ---------------------------------------------------------------- the API

  async function api(method, path, options) {
    const { body, binary, auth } = options || {};
    const headers = {};
    if (auth) headers.Authorization = "Bearer " + app.session.token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
        redirect: "error",
        referrerPolicy: "no-referrer",
      });
    } catch (_) {
      throw new ApiError(0, "network", "");
    }
    if (response.ok) {
      let text;
      try {
        if (binary) return await response.arrayBuffer();
        text = await response.text();
      } catch (_) {
        throw new ApiError(0, "network", "");
      }
      try {
        return text === "" ? null : JSON.parse(text);
      } catch (_) {
        throw new ApiError(response.status, "bad_answer", "");
      }
    }
    let code = "";
    let message = "";
    try {
      const answer = await response.json();
      if (answer && typeof answer.code === "string") code = answer.code;
      if (answer && typeof answer.message === "string") message = answer.message;
    } catch (_) {
      // An answer without the API's {code, message}: the status says enough.
    }
    throw new ApiError(response.status, code, message);
  }

  const endpoint = (tail) => "/api/v1/secure/" + encodeURIComponent(app.id) + tail;

  // ---------------------------------------------------------------- the session

  function storageKey() {
    return STORAGE_PREFIX + app.id;
  }

  function saveSession() {
    try {
      sessionStorage.setItem(storageKey(), JSON.stringify({ ...app.session, address: app.address }));
    } catch (_) {
      // No storage here: a reload asks for a code again.
    }
  }

  function loadSession() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(storageKey()) || "null");
      if (
        saved &&
        typeof saved.token === "string" &&
        fromBase64Url(saved.key_server, 32) &&
        Number.isFinite(saved.expires_at) &&
        saved.expires_at * 1000 > Date.now()
      ) {
        return saved;
      }
    } catch (_) {
      // Unreadable: start over.
    }
    forgetSession();
    return null;
  }

  function forgetSession() {
    app.session = null;
    app.key = null;
    app.entries = [];
    try {
      sessionStorage.removeItem(storageKey());
    } catch (_) {
      // Nothing kept.
    }
  }

  // ---------------------------------------------------------------- showing steps

  const STEP_OF = {
    address: "step-address",
    code: "step-code",
    loading: "step-loading",
    thread: "step-thread",
    error: "step-stop",
    broken: "step-stop",
    incomplete: "step-stop",
  };

  function show(state) {
    document.body.dataset.state = state;
    for (const section of document.querySelectorAll("main > section")) {
      section.hidden = section.id !== STEP_OF[state];
    }
    el("main").setAttribute("aria-busy", state === "loading" ? "true" : "false");
  }

  function banner(text) {
    const box = el("banner");
    box.textContent = text;
    box.hidden = false;
  }

  function notice(text) {
    el("notice").textContent = text;
  }

  function clearMessages() {
    const box = el("banner");
    box.textContent = "";
    box.hidden = true;
    notice("");
  }

  /**
   * A page of its own with no way on (or Try again): a bad link, a message gone, a failure.
   * `text` says what happened, `hint` what the reader can do.
   */
  function stop(state, text, hint, retry) {
    clearMessages();
    el("stop-text").textContent = text;
    el("stop-hint").textContent = hint || "";
    app.retry = retry || null;
    el("retry").hidden = !retry;
    show(state);
    el("stop-text").focus();
  }

  function showAddress(message) {
    clearMessages();
    show("address");
    if (message) banner(message);
    const input = el("address");
    if (app.address && !input.value) input.value = app.address;
    input.focus();
  }

  function showCode() {
    clearMessages();
    const sent = el("code-sent");
    const address = document.createElement("strong");
    address.textContent = app.address;
    sent.replaceChildren(
      "We sent a 6-digit code to ",
      address,
      " if it may read this message. It is valid 10 minutes.",
    );
    el("code").value = "";
    show("code");
    el("code").focus();
  }

  /**
   * What a failure means to the reader. `during` is "load" when the thread was being opened (a
   * transient failure then ends on a page with Try again) and "action" for a button's work
   * (a banner, the step stays).
   */
  function fail(error, during) {
    if (error instanceof Broken) {
      forgetSession();
      stop(
        "broken",
        SENTENCES.broken,
        "Open the link from your email again. If this page comes back, ask the sender to send the message again.",
      );
      return;
    }
    if (!(error instanceof ApiError)) {
      console.error(error);
      report(SENTENCES.page, during);
      return;
    }
    const { status, code } = error;
    if (code === "not_found" || (status === 404 && !code)) {
      forgetSession();
      stop("error", SENTENCES.notFound, "If you expected a message, ask the sender about it.");
    } else if (code === "gone" || status === 410) {
      forgetSession();
      stop(
        "error",
        error.serverMessage || SENTENCES.gone,
        "If you still need it, ask the sender to send it again.",
      );
    } else if (status === 401 || code === "unauthenticated") {
      forgetSession();
      showAddress(SENTENCES.sessionOver);
    } else if (code === "wrong_code") {
      banner(SENTENCES.wrongCode);
      el("code").value = "";
      el("code").focus();
    } else if (code === "rate_limited" || status === 429) {
      report(SENTENCES.rateLimited, during);
    } else if (code === "too_large" || status === 413) {
      report(SENTENCES.tooLarge, during);
    } else if (code === "network") {
      report(SENTENCES.network, during);
    } else if (code === "bad_answer") {
      report(SENTENCES.badAnswer, during);
    } else {
      report(SENTENCES.server, during);
    }
  }

  function report(text, during) {
    if (during === "load") {
      stop("error", SENTENCES.loadFailed, text, () => openThread());
    } else {
      banner(text);
    }
  }

  /** Runs `work` with `button` disabled and saying what it does. */
  async function busy(button, label, work) {
    const before = button.textContent;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    button.textContent = label;
    try {
      return await work();
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      button.textContent = before;
    }
  }

  // ---------------------------------------------------------------- address and code

  async function requestCode(address, again) {
    await api("POST", endpoint("/code"), { body: { address } });
    app.address = address;
    showCode();
    if (again) notice("We sent a new code. It is valid 10 minutes.");
  }

  function onAddress(event) {
    event.preventDefault();
    const button = el("send-code");
    if (button.disabled) return;
    const address = el("address").value.trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(address)) {
      banner(SENTENCES.addressNeeded);
      el("address").focus();
      return;
    }
    clearMessages();
    busy(button, "Sending\u2026", () => requestCode(address, false)).catch((e) => fail(e, "action"));
  }

  function onResend() {
    const button = el("resend");
    if (button.disabled) return;
    clearMessages();
    busy(button, "Sending\u2026", () => requestCode(app.address, true)).catch((e) => fail(e, "action"));
  }

  function onVerify(event) {
    event.preventDefault();
    const button = el("verify");
    if (button.disabled) return;
    const code = el("code").value.replace(/\s+/g, "");
    if (!/^[0-9]{6}$/.test(code)) {
      banner(SENTENCES.codeNeeded);
      el("code").focus();
      return;
    }
    clearMessages();
    busy(button, "Checking\u2026", async () => {
      const released = await api("POST", endpoint("/verify"), {
        body: { address: app.address, code },
      });
      if (
        !released ||
        typeof released.token !== "string" ||
        !fromBase64Url(released.key_server, 32) ||
        !Number.isFinite(released.expires_at)
      ) {
        throw new ApiError(200, "bad_answer", "");
      }
      app.session = {
        token: released.token,
        key_server: released.key_server,
        expires_at: released.expires_at,
      };
      app.key = null;
      saveSession();
    })
      .then(() => openThread())
      .catch((e) => fail(e, "action"));
  }

  // ---------------------------------------------------------------- the thread

  /** Reads and opens the whole thread; throws Broken if any part of it does not open. */
  async function readThread() {
    const answer = await api("GET", endpoint("/thread"), { auth: true });
    if (!answer || !Array.isArray(answer.entries)) throw new ApiError(200, "bad_answer", "");
    const entries = await Promise.all(
      answer.entries.map(async (entry, index) => {
        // Entries are numbered from 0 without gaps: one missing or out of place is altered.
        if (!entry || entry.n !== index || !Array.isArray(entry.attachments)) {
          throw new Broken("entries out of order");
        }
        const message = app.id + "/" + entry.n;
        const plain = await openPart(message, "manifest", fromBase64(entry.manifest));
        return {
          n: entry.n,
          from: entry.from,
          at: Number(entry.at),
          manifest: readManifest(plain, entry.attachments.length),
        };
      }),
    );
    app.entries = entries;
    app.expiresAt = Number(answer.expires_at);
  }

  async function openThread() {
    clearMessages();
    show("loading");
    try {
      await readThread();
    } catch (error) {
      fail(error, "load");
      return;
    }
    renderThread();
    show("thread");
    el("thread-title").focus();
  }

  const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

  function formatTime(seconds) {
    const date = new Date(seconds * 1000);
    return Number.isNaN(date.getTime()) ? "" : timeFormat.format(date);
  }

  function formatSize(bytes) {
    if (bytes < 1024) return bytes + (bytes === 1 ? " byte" : " bytes");
    const units = ["KB", "MB", "GB"];
    let value = bytes / 1024;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return (value < 10 ? value.toFixed(1) : Math.round(value)) + " " + units[unit];
  }

  function authorOf(from) {
    if (from === "you") return "You";
    if (from === "sender") return "Sender";
    return "Another recipient";
  }

  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function renderThread() {
    const first = app.entries[0];
    el("thread-title").textContent = first ? first.manifest.subject || "(no subject)" : "";
    el("thread-expiry").textContent = app.expiresAt
      ? "Available until " + formatTime(app.expiresAt) + "."
      : "";
    const list = el("thread");
    list.replaceChildren(...app.entries.map(renderEntry));
  }

  function renderEntry(entry) {
    const item = make("li", entry.from === "you" ? "entry mine" : "entry");
    item.dataset.testid = "entry";
    item.dataset.n = String(entry.n);

    const head = make("div", "entry-head");
    const author = make("span", "entry-author", authorOf(entry.from));
    author.dataset.testid = "entry-author";
    const time = make("time", "entry-time", formatTime(entry.at));
    time.dataset.testid = "entry-time";
    if (Number.isFinite(entry.at)) time.dateTime = new Date(entry.at * 1000).toISOString();
    head.append(author, time);

    const subject = make("h2", "entry-subject", entry.manifest.subject);
    subject.dataset.testid = "entry-subject";
    const body = make("div", "entry-body", entry.manifest.body);
    body.dataset.testid = "entry-body";
    item.append(head, subject, body);

    if (entry.manifest.attachments.length > 0) {
      const list = make("ul", "attachments");
      list.setAttribute("aria-label", "Attachments");
      entry.manifest.attachments.forEach((meta, k) => list.append(renderAttachment(entry, k, meta)));
      item.append(list);
    }
    return item;
  }

  function renderAttachment(entry, k, meta) {
    const row = make("li", "attachment");
    row.dataset.testid = "attachment";
    row.dataset.k = String(k);
    const name = make("span", "attachment-name", meta.name);
    name.title = meta.name;
    name.dataset.testid = "attachment-name";
    const kind = meta.content_type || "file";
    const info = make("span", "attachment-meta", kind + " \u00b7 " + formatSize(meta.size));
    info.dataset.testid = "attachment-meta";
    const button = make("button", "", "Download");
    button.type = "button";
    button.dataset.testid = "download";
    button.setAttribute("aria-label", "Download " + meta.name);
    button.addEventListener("click", () => {
      if (button.disabled) return;
      clearMessages();
      busy(button, "Downloading\u2026", () => download(entry.n, k, meta)).catch((e) =>
        fail(e, "action"),
      );
    });
    row.append(name, info, button);
    return row;
  }

  async function download(n, k, meta) {
    const sealed = new Uint8Array(
      await api("GET", endpoint("/entries/" + n + "/attachments/" + k), { auth: true, binary: true }),
    );
    const plain = await openPart(app.id + "/" + n, "attachment/" + k, sealed);
    if (plain.length !== meta.size) throw new Broken("size differs from the manifest");
    const url = URL.createObjectURL(
      new Blob([plain], { type: meta.content_type || "application/octet-stream" }),
    );
    const link = document.createElement("a");
    link.href = url;
    link.download = meta.name || "attachment";
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    // The download has taken the blob by the time a task runs; a moment later the URL goes.
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  // ---------------------------------------------------------------- the reply

  function replySubject() {
    const subject = app.entries.length > 0 ? app.entries[0].manifest.subject : "";
    return /^re:/i.test(subject) ? subject : "Re: " + subject;
  }

  async function sealReply(n, body, files) {
    const message = app.id + "/" + n;
    const manifest = {
      subject: replySubject(),
      body,
      attachments: files.map((f) => ({ name: f.name, content_type: f.type, size: f.bytes.length })),
    };
    const sealedManifest = await sealPart(message, "manifest", encoder.encode(JSON.stringify(manifest)));
    const sealedFiles = await Promise.all(
      files.map((f, k) => sealPart(message, "attachment/" + k, f.bytes)),
    );
    return { n, manifest: toBase64(sealedManifest), attachments: sealedFiles.map(toBase64) };
  }

  async function sendReply(body, picked) {
    const files = await Promise.all(
      picked.map(async (file) => ({
        name: file.name,
        type: file.type || "application/octet-stream",
        bytes: new Uint8Array(await file.arrayBuffer()),
      })),
    );
    for (let attempt = 1; ; attempt += 1) {
      const sealed = await sealReply(app.entries.length, body, files);
      try {
        await api("POST", endpoint("/reply"), { auth: true, body: sealed });
        break;
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== "conflict") throw error;
        if (attempt >= REPLY_TRIES) {
          banner(SENTENCES.replyRace);
          return false;
        }
        // Another entry took the number: read the thread again, then seal as the next one.
        await readThread();
        renderThread();
      }
    }
    try {
      await readThread();
      renderThread();
    } catch (error) {
      if (error instanceof Broken) throw error;
      banner("Your reply was sent, but the thread could not be read again. Reload the page to see it.");
    }
    return true;
  }

  function onReply(event) {
    event.preventDefault();
    const button = el("reply-send");
    if (button.disabled) return;
    const textarea = el("reply-body");
    const body = textarea.value;
    const picked = Array.from(el("reply-files").files || []);
    if (body.trim() === "" && picked.length === 0) {
      banner(SENTENCES.replyEmpty);
      textarea.focus();
      return;
    }
    clearMessages();
    busy(button, "Sending\u2026", () => sendReply(body, picked))
      .then((sent) => {
        if (!sent) return;
        el("reply-form").reset();
        notice("Your reply was sent.");
        textarea.focus();
      })
      .catch((e) => fail(e, "action"));
  }

  function onReplyKey(event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      el("reply-form").requestSubmit();
    }
  }

  function onEndSession() {
    forgetSession();
    showAddress("");
    notice("Your session has ended. The message is no longer shown in this tab.");
  }

  // ---------------------------------------------------------------- start

  /** The message id and K_link from /s/{id}#{K_link}; null when either is missing or malformed. */
  function readLink() {
    const match = /^\/s\/([A-Za-z0-9_-]{22})\/?$/.exec(location.pathname);
    if (!match || !ID_LAST.includes(match[1][21])) return null;
    const key = fromBase64Url(location.hash.replace(/^#/, ""), 32);
    return key ? { id: match[1], key } : null;
  }

  function start() {
    el("address-form").addEventListener("submit", onAddress);
    el("code-form").addEventListener("submit", onVerify);
    el("resend").addEventListener("click", onResend);
    el("change-address").addEventListener("click", () => showAddress(""));
    el("reply-form").addEventListener("submit", onReply);
    el("reply-body").addEventListener("keydown", onReplyKey);
    el("end-session").addEventListener("click", onEndSession);
    el("retry").addEventListener("click", () => {
      const retry = app.retry;
      app.retry = null;
      if (retry) retry();
    });

    const link = readLink();
    if (!link) {
      stop(
        "incomplete",
        SENTENCES.incomplete,
        "Some mail programs split long links over two lines: copy all of it into the address bar.",
      );
      return;
    }
    if (!window.isSecureContext || !window.crypto || !crypto.subtle) {
      stop("error", SENTENCES.noCrypto, "");
      return;
    }
    app.id = link.id;
    app.linkKey = link.key;
    const saved = loadSession();
    if (saved) {
      app.address = saved.address || "";
      app.session = {
        token: saved.token,
        key_server: saved.key_server,
        expires_at: saved.expires_at,
      };
      openThread();
    } else {
      showAddress("");
    }
  }

  start();
})();
