// The virtualised list under both the conversation list and the search hits: only the rows in
// view (plus a few) exist in the page, at a fixed height, so 100,000 conversations cost what 30
// do. It owns the keyboard cursor (j/k, arrows, Home/End), opening (Enter/o, click) and the
// multi-selection (x, Ctrl/Cmd-click, Shift-click); rows it has no data for yet are skeletons.
import { useVirtualizer } from "@tanstack/react-virtual";
import { forwardRef, useCallback, useEffect, useImperativeHandle, useRef, useState } from "react";
import { ConversationRow, ROW_HEIGHT, type RowData } from "./ConversationRow";

export interface RowListHandle {
  focus(): void;
  /** Moves the cursor by `delta` rows (j/k) and scrolls it into view. */
  move(delta: number): void;
  /** Opens the row under the cursor. */
  openActive(): void;
  /** The key of the row under the cursor, if loaded. */
  activeKey(): number | null;
  /** The loaded rows with these keys (those not loaded are left out). */
  rowsWithKeys(keys: readonly number[]): RowData[];
}

interface Props {
  label: string;
  count: number;
  rowAt: (index: number) => RowData | undefined;
  /** The first and last index in view (overscan included), whenever they change. */
  onRange: (start: number, end: number) => void;
  /** The key of the open conversation, if any. */
  openKey: number | null;
  onOpen: (index: number) => void;
  selected: ReadonlySet<number>;
  onSelectedChange: (keys: Set<number>) => void;
  rowTestId: string;
  /** Who the conversation with this key is assigned to, if anyone (team inboxes). */
  assignedTo?: (key: number) => string | undefined;
}

export const RowList = forwardRef<RowListHandle, Props>(function RowList(
  { label, count, rowAt, onRange, openKey, onOpen, selected, onSelectedChange, rowTestId, assignedTo },
  ref,
) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [cursor, setCursor] = useState(0);
  const anchor = useRef<number | null>(null);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6,
    // React 19 warns about flushSync inside effects; a frame's delay on scroll is invisible.
    useFlushSync: false,
  });
  const items = virtualizer.getVirtualItems();
  const start = items[0]?.index ?? 0;
  const end = items[items.length - 1]?.index ?? 0;
  useEffect(() => onRange(start, end), [onRange, start, end]);
  const active = Math.min(cursor, Math.max(0, count - 1));

  const move = useCallback(
    (delta: number) => {
      if (count === 0) return;
      const next = Math.max(0, Math.min(count - 1, active + delta));
      setCursor(next);
      virtualizer.scrollToIndex(next, { align: "auto" });
    },
    [active, count, virtualizer],
  );

  const toggle = useCallback(
    (index: number) => {
      const row = rowAt(index);
      if (row === undefined) return;
      const next = new Set(selected);
      if (next.has(row.key)) next.delete(row.key);
      else next.add(row.key);
      anchor.current = index;
      onSelectedChange(next);
    },
    [onSelectedChange, rowAt, selected],
  );

  useImperativeHandle(
    ref,
    () => ({
      focus: () => scrollRef.current?.focus(),
      move,
      openActive: () => {
        if (count > 0) onOpen(active);
      },
      activeKey: () => (count > 0 ? (rowAt(active)?.key ?? null) : null),
      rowsWithKeys: (keys) => {
        const wanted = new Set(keys);
        const found: RowData[] = [];
        for (let i = 0; i < count && found.length < wanted.size; i += 1) {
          const row = rowAt(i);
          if (row !== undefined && wanted.has(row.key)) found.push(row);
        }
        return found;
      },
    }),
    [active, count, move, onOpen, rowAt],
  );

  const clickImpl = (index: number, event: React.MouseEvent) => {
    setCursor(index);
    if (event.metaKey || event.ctrlKey) {
      toggle(index);
      return;
    }
    if (event.shiftKey && anchor.current !== null) {
      const [from, to] = [Math.min(anchor.current, index), Math.max(anchor.current, index)];
      const next = new Set(selected);
      for (let i = from; i <= to; i += 1) {
        const row = rowAt(i);
        if (row !== undefined) next.add(row.key);
      }
      onSelectedChange(next);
      return;
    }
    anchor.current = index;
    onOpen(index);
  };

  // Rows are memoised: they get one click handler for the list's whole life, which calls the
  // latest implementation (it reads the current selection and rows).
  const latestClick = useRef(clickImpl);
  useEffect(() => {
    latestClick.current = clickImpl;
  });
  const click = useCallback((index: number, event: React.MouseEvent) => latestClick.current(index, event), []);

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const keys: Record<string, () => void> = {
      j: () => move(1),
      ArrowDown: () => move(1),
      k: () => move(-1),
      ArrowUp: () => move(-1),
      Home: () => move(-count),
      End: () => move(count),
      PageDown: () => move(10),
      PageUp: () => move(-10),
      Enter: () => count > 0 && onOpen(active),
      o: () => count > 0 && onOpen(active),
      x: () => toggle(active),
    };
    const action = keys[event.key];
    if (action !== undefined) {
      event.preventDefault();
      event.stopPropagation();
      action();
    }
  };

  const rowId = (index: number) => `${rowTestId}-${index}`;
  return (
    <div
      ref={scrollRef}
      className="row-scroll"
      role="listbox"
      aria-label={label}
      aria-multiselectable="true"
      aria-activedescendant={count > 0 && rowAt(active) !== undefined ? rowId(active) : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      data-testid="row-list"
    >
      <div className="row-space" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((item) => {
          const data = rowAt(item.index);
          return (
            <ConversationRow
              key={item.index}
              id={rowId(item.index)}
              index={item.index}
              data={data}
              top={item.start}
              active={item.index === active}
              selected={data !== undefined && selected.has(data.key)}
              open={data !== undefined && data.key === openKey}
              assigned={data === undefined ? undefined : assignedTo?.(data.key)}
              testId={rowTestId}
              onClick={click}
            />
          );
        })}
      </div>
    </div>
  );
});
