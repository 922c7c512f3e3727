//! The harness's own JavaScript and the test pages it builds around fragments.
//!
//! Every trusted script ends in `//# sourceURL=helpr-trusted-<nonce>.js`, so the DevTools
//! `Debugger.scriptParsed` event tells it apart from anything the fragment brought; the nonce
//! is random per browser, so a fragment cannot pass for the harness. The preamble runs before any
//! other script of every document (`Page.addScriptToEvaluateOnNewDocument`); it hooks
//! `alert`/`confirm`/`prompt`/`print`/`open` and `document.write` after load, and reports every
//! call through a DevTools binding. It also offers the settle and interaction steps the runner
//! calls, written against captured prototype functions so that DOM clobbering
//! (`<img name=querySelectorAll>`) cannot confuse them.

/// Names that tie the page's scripts to one browser instance.
#[derive(Debug, Clone)]
pub(crate) struct Names {
    /// `sourceURL` of every trusted script.
    pub trusted_url: String,
    /// Global the preamble defines (non-writable, non-configurable).
    pub api: String,
    /// DevTools binding the preamble reports through.
    pub binding: String,
}

impl Names {
    pub fn new() -> Self {
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        Self {
            trusted_url: format!("helpr-trusted-{nonce}.js"),
            api: format!("__helpr_{nonce}"),
            binding: format!("__helprReport_{nonce}"),
        }
    }

    pub fn trusted(&self, script: &str) -> String {
        format!("{script}\n//# sourceURL={}", self.trusted_url)
    }

    /// The script that runs before anything else in every document.
    pub fn preamble(&self) -> String {
        self.trusted(
            &PREAMBLE
                .replace("__API__", &self.api)
                .replace("__BINDING__", &self.binding),
        )
    }

    /// Waits for load, an animation frame and a task, triggers the fragment's handlers, waits
    /// another frame and task, and returns the page's status (`{marks, refresh}`).
    pub fn settle(&self) -> String {
        self.trusted(&format!(
            "(async () => {{ const h = window.{api}; await h.loaded(); await h.frames(1); \
             h.interact(); await h.frames(1); return h.status(); }})()",
            api = self.api
        ))
    }

    /// One more animation frame and task, then the status: the follow-up settle step.
    pub fn settle_again(&self) -> String {
        self.trusted(&format!(
            "(async () => {{ const h = window.{api}; await h.frames(1); return h.status(); }})()",
            api = self.api
        ))
    }

    /// A page with one fragment as-is in its body.
    pub fn single_page(&self, fragment: &str) -> String {
        format!("{HEAD}<body>\n{fragment}\n</body></html>\n")
    }

    /// A page with many fragments in its body, each preceded by a marker script that records
    /// whether it ran with `<body>` as its parent (i.e. the previous fragment left the parser in
    /// the body, closed, so the next fragment is parsed as it would be on its own).
    pub fn batch_page(&self, fragments: &[&str]) -> String {
        let mut page = format!("{HEAD}<body>\n");
        for (i, fragment) in fragments.iter().enumerate() {
            page.push_str(&self.marker(i));
            page.push_str(fragment);
            page.push('\n');
        }
        page.push_str(&self.marker(fragments.len()));
        page.push_str("</body></html>\n");
        page
    }

    fn marker(&self, i: usize) -> String {
        format!(
            "<script>{}</script>",
            self.trusted(&format!("window.{}.mark({i});", self.api))
        )
    }
}

/// Standards mode, UTF-8, and a `data:` icon so Chromium does not ask for `/favicon.ico`.
const HEAD: &str = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
<title>helpr browser check</title><link rel=\"icon\" href=\"data:,\"></head>";

const PREAMBLE: &str = r#"(() => {
  "use strict";
  if (Object.prototype.hasOwnProperty.call(window, "__API__")) return;
  const binding = window["__BINDING__"];
  const getter = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
  const readyState = getter(Document.prototype, "readyState");
  const currentScript = getter(Document.prototype, "currentScript");
  const bodyOf = getter(Document.prototype, "body");
  const baseURI = getter(Node.prototype, "baseURI");
  const parentNode = getter(Node.prototype, "parentNode");
  const attributesOf = getter(Element.prototype, "attributes");
  const localName = getter(Element.prototype, "localName");
  const contentDocument = getter(HTMLIFrameElement.prototype, "contentDocument");
  const frameDocument = getter(HTMLFrameElement.prototype, "contentDocument");
  const objectDocument = getter(HTMLObjectElement.prototype, "contentDocument");
  const defaultView = getter(Document.prototype, "defaultView");
  const querySelectorAll = Document.prototype.querySelectorAll;
  const getAttribute = Element.prototype.getAttribute;
  const setAttribute = Element.prototype.setAttribute;
  const dispatchEvent = EventTarget.prototype.dispatchEvent;
  const addEventListener = EventTarget.prototype.addEventListener;
  const formSubmit = HTMLFormElement.prototype.submit;
  const requestAnimationFrame = window.requestAnimationFrame;
  const setTimeout = window.setTimeout;
  const Event_ = Event, MouseEvent_ = MouseEvent, URL_ = URL, Promise_ = Promise;
  const from = Array.from, stringify = JSON.stringify, String_ = String;

  const text = (args) => from(args, (a) => { try { return String_(a); } catch (_) { return "?"; } }).join(", ");
  const report = (kind, args) => {
    try { binding(stringify([kind, text(args)])); } catch (_) { /* no binding in this context */ }
  };

  const hook = (target, name, result) => {
    const replacement = { [name](...args) { report(name, args); return result; } }[name];
    try {
      Object.defineProperty(target, name, { value: replacement, writable: true, configurable: true, enumerable: true });
    } catch (_) { /* not hookable here */ }
  };
  hook(window, "alert", undefined);
  hook(window, "confirm", false);
  hook(window, "prompt", null);
  hook(window, "print", undefined);
  hook(window, "open", null);
  for (const name of ["write", "writeln"]) {
    const original = Document.prototype[name];
    const replacement = { [name](...args) {
      if (readyState.call(this) === "complete") { report("document." + name, args); return; }
      return original.apply(this, args);
    } }[name];
    Object.defineProperty(Document.prototype, name, { value: replacement, writable: true, configurable: true, enumerable: true });
  }

  const marks = [];
  const mark = (i) => {
    const script = currentScript.call(document);
    const parent = script ? parentNode.call(script) : null;
    marks.push([i, parent !== null && parent === bodyOf.call(document)]);
  };

  const loaded = () => new Promise_((resolve) => {
    if (readyState.call(document) === "complete") resolve();
    else addEventListener.call(window, "load", () => resolve(), { once: true });
  });
  const frames = (n) => new Promise_((resolve) => {
    const step = (k) => k === 0
      ? setTimeout.call(window, resolve, 0)
      : requestAnimationFrame.call(window, () => step(k - 1));
    step(n);
  });

  // Handlers that fire on their own (or when the harness leaves the page) are not dispatched
  // again, so a fragment's handler runs once.
  const natural = new Set(["load", "error", "beforeunload", "unload", "pagehide"]);
  // <body>/<frameset> handler attributes that belong to the window.
  const windowHandlers = new Set(["afterprint", "beforeprint", "hashchange", "languagechange",
    "message", "messageerror", "offline", "online", "pageshow", "popstate", "rejectionhandled",
    "storage", "unhandledrejection", "blur", "focus", "resize", "scroll"]);
  const urlAttributes = new Set(["href", "xlink:href", "action", "formaction"]);
  const isScriptUrl = (doc, value) => {
    try { return new URL_(value, baseURI.call(doc)).protocol === "javascript:"; } catch (_) { return false; }
  };
  const childDocument = (el) => {
    for (const get of [contentDocument, frameDocument, objectDocument]) {
      try { const doc = get.call(el); if (doc) return doc; } catch (_) { /* other element type */ }
    }
    return null;
  };
  // Fires every handler attribute once, activates every javascript: URL, and makes lazy
  // loading eager: what a reader scrolling and pointing at the message would set off.
  const interact = (doc, depth) => {
    if (!doc || depth > 5) return;
    const view = defaultView.call(doc);
    for (const el of from(querySelectorAll.call(doc, "*"))) {
      let attributes;
      try { attributes = from(attributesOf.call(el)); } catch (_) { continue; }
      const local = localName.call(el);
      for (const attribute of attributes) {
        const name = String_(attribute.name).toLowerCase();
        if (name === "loading") {
          try { setAttribute.call(el, "loading", "eager"); } catch (_) { /* read-only */ }
        } else if (name.length > 2 && name.startsWith("on") && !natural.has(name.slice(2))) {
          const type = name.slice(2);
          const target = (local === "body" || local === "frameset") && windowHandlers.has(type) && view ? view : el;
          try { dispatchEvent.call(target, new Event_(type, { bubbles: false, cancelable: true })); } catch (_) { /* ignore */ }
        } else if (urlAttributes.has(name) && isScriptUrl(doc, attribute.value)) {
          try {
            if (local === "form") formSubmit.call(el);
            else dispatchEvent.call(el, new MouseEvent_("click", { bubbles: true, cancelable: true, view }));
          } catch (_) { /* ignore */ }
        }
      }
      const child = childDocument(el);
      if (child && child !== doc) interact(child, depth + 1);
    }
  };

  const refreshes = (doc, depth, out) => {
    if (!doc || depth > 5) return out;
    for (const el of from(querySelectorAll.call(doc, "*"))) {
      if (localName.call(el) === "meta") {
        const equiv = getAttribute.call(el, "http-equiv");
        if (equiv && equiv.trim().toLowerCase() === "refresh") out.push(getAttribute.call(el, "content") || "");
      }
      const child = childDocument(el);
      if (child && child !== doc) refreshes(child, depth + 1, out);
    }
    return out;
  };
  const status = () => ({ marks: marks.slice(), refresh: refreshes(document, 0, []) });

  Object.defineProperty(window, "__API__", {
    value: Object.freeze({ mark, loaded, frames, interact: () => interact(document, 0), status }),
    writable: false, configurable: false, enumerable: false,
  });
})();"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_wrap_fragments_and_tag_trusted_scripts() {
        let names = Names::new();
        let single = names.single_page("<b>x</b>");
        assert!(single.contains("<body>\n<b>x</b>\n</body>"), "{single}");
        assert!(!single.contains("<script"), "{single}");

        let batch = names.batch_page(&["<i>a</i>", "<i>b</i>"]);
        assert_eq!(batch.matches("<script>").count(), 3, "{batch}");
        assert_eq!(
            batch
                .matches(&format!("sourceURL={}", names.trusted_url))
                .count(),
            3
        );
        assert!(batch.find("<i>a</i>") < batch.find("<i>b</i>"));
        assert!(names.preamble().contains(&names.binding));
        assert!(!names.preamble().contains("__API__"));
    }
}
