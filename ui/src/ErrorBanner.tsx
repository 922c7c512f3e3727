// The banner that shows a command's `{code, message}` error above both panes.
import { errorTitle, type ApiError } from "./api";

interface Props {
  error: ApiError;
  onDismiss: () => void;
}

export function ErrorBanner({ error, onDismiss }: Props) {
  return (
    <div className="error-banner" role="alert" data-testid="error-banner" data-code={error.code}>
      <div className="error-text">
        <strong>{errorTitle(error.code)}</strong>
        <span className="error-message">{error.message}</span>
        <code className="error-code">{error.code}</code>
      </div>
      <button type="button" className="error-dismiss" onClick={onDismiss} aria-label="Dismiss error">
        ×
      </button>
    </div>
  );
}
