// The toast at the bottom of the window: what just happened, and an action (Undo) while it shows.
// It goes away by itself after a while; Escape does not touch it (it is not modal).
import { useEffect } from "react";

export interface ToastMessage {
  /** Changes with every toast, so a new one restarts the timer. */
  id: number;
  text: string;
  action?: { label: string; run: () => void };
}

/** How long a toast stays. */
export const TOAST_MS = 8_000;

interface Props {
  toast: ToastMessage;
  onDone: () => void;
}

export function Toast({ toast, onDone }: Props) {
  useEffect(() => {
    const timer = setTimeout(onDone, TOAST_MS);
    return () => clearTimeout(timer);
  }, [toast.id, onDone]);
  return (
    <div className="toast" role="status" data-testid="toast">
      <span>{toast.text}</span>
      {toast.action !== undefined ? (
        <button
          type="button"
          className="link-button"
          onClick={() => {
            toast.action?.run();
            onDone();
          }}
        >
          {toast.action.label}
        </button>
      ) : null}
    </div>
  );
}
