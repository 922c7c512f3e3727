// The search form in the top bar: the query field (Enter submits, Escape clears), a clear button,
// and the Newest / Best match order. It holds no state; `useSearch` does.
import type { SearchSort } from "./api";

interface Props {
  /** The text in the field (not necessarily the search being shown). */
  value: string;
  sort: SearchSort;
  /** Whether the list shows search results, so clearing has something to undo. */
  active: boolean;
  onChange: (value: string) => void;
  onSubmit: (query: string) => void;
  onClear: () => void;
  onSortChange: (sort: SearchSort) => void;
}

const SORTS: readonly { sort: SearchSort; label: string }[] = [
  { sort: "date", label: "Newest" },
  { sort: "relevance", label: "Best match" },
];

export function SearchBox({ value, sort, active, onChange, onSubmit, onClear, onSortChange }: Props) {
  return (
    <form
      className="search"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit(value);
      }}
    >
      <input
        type="text"
        className="search-input"
        data-testid="search-input"
        aria-label="Search mail"
        placeholder='Search: words, "phrases", from:, subject:, has:attachment…'
        enterKeyHint="search"
        spellCheck={false}
        autoComplete="off"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape") {
            event.preventDefault();
            onClear();
          }
        }}
      />
      {value !== "" || active ? (
        <button
          type="button"
          className="search-clear"
          data-testid="search-clear"
          aria-label="Clear search"
          onClick={onClear}
        >
          ×
        </button>
      ) : null}
      <button type="submit" className="search-submit">
        Search
      </button>
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
}
