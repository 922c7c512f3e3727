// The `?` dialog: every keyboard shortcut the workspace answers to. A native <dialog> opened
// modally, so focus is trapped and Escape closes it.
import { useEffect, useRef } from "react";

export const SHORTCUTS: readonly [string, string][] = [
  ["j / k", "Next / previous conversation"],
  ["Enter / o", "Open conversation"],
  ["x", "Select conversation"],
  ["#", "Delete (selection, or the open conversation)"],
  ["z", "Undo the delete"],
  ["Shift+I / Shift+U", "Mark read / unread"],
  ["l", "Labels (apply, remove, create)"],
  ["c", "New message"],
  ["r / a / f", "Reply / reply all / forward"],
  ["Ctrl+Enter", "Send (in the composer)"],
  ["Ctrl+Shift+L", "Send securely on / off (in the composer, from a shared inbox)"],
  ["Esc", "Close conversation, clear search"],
  ["/", "Search"],
  ["g i", "All inboxes"],
  ["g t", "Trash"],
  ["g s", "Settings"],
  ["?", "This list"],
];

interface Props {
  onClose: () => void;
}

export function CheatSheet({ onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null || dialog.open) return;
    // jsdom (component tests) has no showModal; the dialog is then opened without a modal layer.
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
  }, []);
  return (
    <dialog ref={ref} className="cheatsheet" aria-labelledby="cheatsheet-title" onClose={onClose} data-testid="cheatsheet">
      <h2 id="cheatsheet-title">Keyboard shortcuts</h2>
      <dl>
        {SHORTCUTS.map(([keys, what]) => (
          <div key={keys} className="shortcut">
            <dt>
              <kbd>{keys}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <button type="button" className="button" onClick={onClose}>
        Close
      </button>
    </dialog>
  );
}
