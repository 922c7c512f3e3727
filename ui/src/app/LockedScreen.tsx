// What the window shows when the vault cannot be opened (the keychain is locked or its entry is
// gone, or there is no vault here yet): why, what to do, and Retry. Nothing is wiped.
import { Lock } from "lucide-react";
import type { ApiError } from "../api";

interface Props {
  error: ApiError;
  retrying: boolean;
  onRetry: () => void;
}

function advice(code: string): string {
  if (code === "not_initialized") {
    return "There is no vault in this data directory yet. Create one with `helpr init`, or start helpr with the data directory that holds yours.";
  }
  return "helpr keeps its key in the system keychain and opens nothing without it. Unlock the keychain (or sign in to your desktop session), then retry. Your mail stays sealed on disk; nothing was deleted.";
}

export function LockedScreen({ error, retrying, onRetry }: Props) {
  return (
    <main className="locked" data-testid="locked-screen" data-code={error.code}>
      <div className="locked-card">
        <Lock size={28} aria-hidden="true" />
        <h1>{error.code === "not_initialized" ? "No vault here" : "Vault locked"}</h1>
        <p className="locked-reason" data-testid="locked-reason">
          {error.message}
        </p>
        <p>{advice(error.code)}</p>
        <button type="button" className="button primary" onClick={onRetry} disabled={retrying} autoFocus>
          {retrying ? "Trying…" : "Retry"}
        </button>
      </div>
    </main>
  );
}
