// The label menu (`l`, or the Labels button): a modal dialog over the conversations acted on,
// with a filter field that keeps focus while the arrow keys move through the labels (a
// combobox over a listbox). Enter or a click applies the label under the cursor to all of
// them, or removes it when all carry it; a name no label has offers "Create". Each change is
// made at once (core owes Gmail the same), and the menu stays open for the next.
import { Check, Minus, Plus } from "lucide-react";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { labelOptions, newLabel, withLabel, type LabelState } from "./labels";

interface Props {
  /** The labels of each conversation acted on. */
  targets: readonly (readonly string[])[];
  /** Every label name known (the sidebar's). */
  known: readonly string[];
  /** Applies (`apply`) or removes `name` on all of them; rejects when core refused. */
  onChange: (name: string, apply: boolean) => Promise<void>;
  onClose: () => void;
}

function StateIcon({ state }: { state: LabelState }) {
  if (state === "all") return <Check size={14} aria-hidden="true" />;
  if (state === "some") return <Minus size={14} aria-hidden="true" />;
  return <span className="label-check-empty" aria-hidden="true" />;
}

export function LabelMenu({ targets, known, onChange, onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const listId = useId();
  const [filter, setFilter] = useState("");
  const [current, setCurrent] = useState(() => targets.map((t) => [...t]));
  const [cursor, setCursor] = useState(0);
  const [busy, setBusy] = useState(false);
  const options = useMemo(() => labelOptions(known, current, filter), [known, current, filter]);
  const created = newLabel(filter, options);
  const count = options.length + (created !== null ? 1 : 0);
  const active = Math.min(cursor, Math.max(0, count - 1));

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null || dialog.open) return;
    // jsdom (component tests) has no showModal; the dialog is then opened without a modal layer.
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
  }, []);

  const change = async (name: string, apply: boolean) => {
    if (busy) return;
    setBusy(true);
    try {
      await onChange(name, apply);
      setCurrent((c) => withLabel(c, name, apply));
      if (created !== null) setFilter("");
    } catch {
      // The workspace reported why; the menu shows what is still true.
    } finally {
      setBusy(false);
    }
  };
  const pick = (index: number) => {
    const option = options[index];
    if (option !== undefined) void change(option.name, option.state !== "all");
    else if (created !== null) void change(created, true);
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    const keys: Record<string, () => void> = {
      ArrowDown: () => setCursor(Math.min(count - 1, active + 1)),
      ArrowUp: () => setCursor(Math.max(0, active - 1)),
      Enter: () => pick(active),
    };
    const action = keys[event.key];
    if (action !== undefined) {
      event.preventDefault();
      action();
    }
  };

  const optionId = (index: number) => `${listId}-${index}`;
  const what = targets.length === 1 ? "this conversation" : `${targets.length} conversations`;
  return (
    <dialog ref={ref} className="label-menu" aria-labelledby={`${listId}-title`} onClose={onClose} data-testid="label-menu">
      <h2 id={`${listId}-title`}>Labels of {what}</h2>
      <input
        className="label-filter"
        type="text"
        role="combobox"
        aria-label="Find or create a label"
        aria-controls={listId}
        aria-expanded="true"
        aria-activedescendant={count > 0 ? optionId(active) : undefined}
        placeholder="Find or create a label"
        value={filter}
        autoFocus
        onChange={(e) => {
          setFilter(e.target.value);
          setCursor(0);
        }}
        onKeyDown={onKeyDown}
        data-testid="label-filter"
      />
      <ul id={listId} className="label-options" role="listbox" aria-label="Labels" aria-busy={busy}>
        {options.map((o, i) => (
          <li
            key={o.name}
            id={optionId(i)}
            role="option"
            aria-selected={i === active}
            aria-checked={o.state === "all" ? true : o.state === "some" ? "mixed" : false}
            className={`label-option${i === active ? " active" : ""}`}
            onClick={() => pick(i)}
            onMouseMove={() => setCursor(i)}
            data-testid="label-option"
          >
            <StateIcon state={o.state} />
            <span>{o.shown}</span>
          </li>
        ))}
        {created !== null ? (
          <li
            id={optionId(options.length)}
            role="option"
            aria-selected={active === options.length}
            className={`label-option${active === options.length ? " active" : ""}`}
            onClick={() => pick(options.length)}
            onMouseMove={() => setCursor(options.length)}
            data-testid="label-create"
          >
            <Plus size={14} aria-hidden="true" />
            <span>Create “{created}”</span>
          </li>
        ) : null}
      </ul>
      <button type="button" className="button" onClick={onClose}>
        Done
      </button>
    </dialog>
  );
}
