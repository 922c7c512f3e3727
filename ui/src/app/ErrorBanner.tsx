// The banner that shows a command's `{code, message}` error above the list and thread.
import { X } from "lucide-react";
import { errorTitle, type ApiError } from "../api";

interface Props {
  error: ApiError;
  onDismiss: () => void;
  /** The action that may fix it (Retry), if any. */
  onRetry?: (() => void) | undefined;
}

export function ErrorBanner({ error, onDismiss, onRetry }: Props) {
  return (
    <div className="error-banner" role="alert" data-testid="error-banner" data-code={error.code}>
      <div className="error-text">
        <strong>{errorTitle(error.code)}</strong>
        <span className="error-message">{error.message}</span>
        <code className="error-code">{error.code}</code>
      </div>
      {onRetry !== undefined ? (
        <button type="button" className="button" onClick={onRetry}>
          Retry
        </button>
      ) : null}
      <button type="button" className="icon-button" onClick={onDismiss} aria-label="Dismiss error">
        <X size={16} aria-hidden="true" />
      </button>
    </div>
  );
}
