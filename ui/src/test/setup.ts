// Vitest set-up: jsdom lays nothing out, so the virtualised lists would see a 0 px viewport and
// render no rows. A list's scroll box (`.row-scroll`) reports 560 px (ten 56 px rows); scrolling
// it moves `scrollTop` and fires `scroll`, as a browser does.
const VIEWPORT = { height: 560, width: 480 };

function isScrollBox(element: Element): boolean {
  return element.classList.contains("row-scroll");
}

Object.defineProperty(HTMLElement.prototype, "clientHeight", {
  configurable: true,
  get(this: HTMLElement) {
    return isScrollBox(this) ? VIEWPORT.height : 0;
  },
});
Object.defineProperty(HTMLElement.prototype, "clientWidth", {
  configurable: true,
  get(this: HTMLElement) {
    return isScrollBox(this) ? VIEWPORT.width : 0;
  },
});
Element.prototype.scrollTo = function scrollTo(this: Element, options?: ScrollToOptions | number) {
  const top = typeof options === "object" ? (options.top ?? this.scrollTop) : this.scrollTop;
  this.scrollTop = top;
  this.dispatchEvent(new Event("scroll"));
};

// jsdom has no media queries: the window is wide (the list and the thread side by side).
if (typeof window.matchMedia !== "function") {
  window.matchMedia = (query: string) =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      addListener: () => undefined,
      removeListener: () => undefined,
      dispatchEvent: () => false,
    }) as MediaQueryList;
}

// jsdom has no ResizeObserver (the resizable panes watch their group): nothing is ever resized.
if (typeof window.ResizeObserver !== "function") {
  window.ResizeObserver = class {
    observe(): void {}
    unobserve(): void {}
    disconnect(): void {}
  };
}
