// The search field in the top bar: results as you type (the caller debounces), operator hints
// for the word being typed (arrows to move, Tab or Enter to take one), Arrow Down into the
// results, Escape to clear, and the Newest / Best match order. It holds only the hint cursor; the query lives in the URL.
import { Search, X } from "lucide-react";
import { forwardRef, useState } from "react";
import type { SearchSort } from "../api";
import { applyHint, operatorHints } from "./search";

interface Props {
  /** The text in the field (not necessarily the search being shown). */
  value: string;
  sort: SearchSort;
  /** Whether the list shows search results, so clearing has something to undo. */
  active: boolean;
  onChange: (value: string) => void;
  /** Enter: run now, without waiting for the pause. */
  onSubmit: (query: string) => void;
  onClear: () => void;
  onSortChange: (sort: SearchSort) => void;
  /** Arrow Down with no hint open: move on to the results. */
  onLeave?: () => void;
}

const SORTS: readonly { sort: SearchSort; label: string }[] = [
  { sort: "date", label: "Newest" },
  { sort: "relevance", label: "Best match" },
];

export const SearchBox = forwardRef<HTMLInputElement, Props>(function SearchBox(
  { value, sort, active, onChange, onSubmit, onClear, onSortChange, onLeave },
  ref,
) {
  const [focused, setFocused] = useState(false);
  const [cursor, setCursor] = useState(-1);
  const hints = focused ? operatorHints(value) : [];
  const take = (op: string) => {
    onChange(applyHint(value, op));
    setCursor(-1);
  };
  return (
    <form
      className="search"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        const hint = hints[cursor];
        if (hint !== undefined) take(hint.op);
        else onSubmit(value);
      }}
    >
      <Search size={14} className="search-icon" aria-hidden="true" />
      <input
        ref={ref}
        type="text"
        className="search-input"
        data-testid="search-input"
        aria-label="Search mail"
        aria-autocomplete="list"
        aria-controls={hints.length > 0 ? "search-hints" : undefined}
        aria-expanded={hints.length > 0}
        aria-activedescendant={cursor >= 0 ? `search-hint-${cursor}` : undefined}
        role="combobox"
        placeholder='Search  ( / )  words, "phrases", from:, subject:, has:attachment…'
        enterKeyHint="search"
        spellCheck={false}
        autoComplete="off"
        value={value}
        onFocus={() => setFocused(true)}
        onBlur={() => {
          setFocused(false);
          setCursor(-1);
        }}
        onChange={(event) => {
          setCursor(-1);
          onChange(event.target.value);
        }}
        onKeyDown={(event) => {
          if (event.key === "Escape") {
            event.preventDefault();
            if (cursor >= 0) setCursor(-1);
            else onClear();
          } else if (event.key === "ArrowDown" && hints.length > 0) {
            event.preventDefault();
            setCursor((c) => Math.min(hints.length - 1, c + 1));
          } else if (event.key === "ArrowDown" && onLeave !== undefined) {
            event.preventDefault();
            onLeave();
          } else if (event.key === "ArrowUp" && hints.length > 0) {
            event.preventDefault();
            setCursor((c) => Math.max(-1, c - 1));
          } else if (event.key === "Tab" && cursor >= 0 && hints[cursor] !== undefined) {
            event.preventDefault();
            take(hints[cursor].op);
          }
        }}
      />
      {value !== "" || active ? (
        <button
          type="button"
          className="icon-button search-clear"
          data-testid="search-clear"
          aria-label="Clear search"
          onClick={onClear}
        >
          <X size={14} aria-hidden="true" />
        </button>
      ) : null}
      {hints.length > 0 ? (
        <ul className="search-hints" id="search-hints" role="listbox" aria-label="Search operators">
          {hints.map((h, i) => (
            <li
              key={h.op}
              id={`search-hint-${i}`}
              role="option"
              aria-selected={i === cursor}
              className={i === cursor ? "active" : undefined}
              // mousedown, not click: the field must keep focus.
              onMouseDown={(event) => {
                event.preventDefault();
                take(h.op);
              }}
            >
              <code>{h.op}</code> <span>{h.hint}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <div className="sort-toggle" role="group" aria-label="Order of results">
        {SORTS.map((option) => (
          <button
            key={option.sort}
            type="button"
            aria-pressed={sort === option.sort}
            onClick={() => onSortChange(option.sort)}
          >
            {option.label}
          </button>
        ))}
      </div>
    </form>
  );
});
