// The thread's "Secure message" panel: one quiet block above the messages per protected thread
// of the conversation (nothing for the others). It says when the thread expires (or that it
// expired or was revoked), the opens allowed, and each reader's state in words, every read on
// hover or on expanding; a locked-out reader can be unlocked, any reader revoked, and everyone
// at once after a confirmation (the link then stops working even for someone who copied it).
// The status is the vault's, so it shows offline; opening the conversation asks the server for
// fresh status at most once a minute, and an action's answer replaces what is shown.
import { Lock } from "lucide-react";
import { useEffect, useState } from "react";
import { toApiError, type ApiError } from "../api";
import { useApi } from "../app/apiContext";
import { formatDayTime } from "../format";
import type { RecipientView, SecureStatus, SecureView } from "./api";
import { actionError, expiryText, isClosed, opensText, readerText, readsText } from "./secure";
import { useApplySecureView, useSecureStatus, useSecureSyncOnOpen } from "./useSecure";

interface Reporters {
  onError: (error: ApiError) => void;
  onNotice: (text: string) => void;
}

/** Runs a revoke or unlock: one at a time per thread, its answer shown, its failure reported. */
function useAction(threadId: number, { onError, onNotice }: Reporters) {
  const apply = useApplySecureView(threadId);
  const [busy, setBusy] = useState(false);
  const run = async (call: () => Promise<SecureView>, what: string, done: string) => {
    setBusy(true);
    try {
      apply(await call());
      onNotice(done);
    } catch (e) {
      onError(actionError(toApiError(e), what));
    } finally {
      setBusy(false);
    }
  };
  return { busy, run };
}

interface ReaderProps {
  reader: RecipientView;
  /** The thread can still be read: actions are offered. */
  open: boolean;
  maxOpens: number | null;
  busy: boolean;
  onUnlock: () => void;
  onRevoke: () => void;
}

function Reader({ reader, open, maxOpens, busy, onUnlock, onRevoke }: ReaderProps) {
  const [expanded, setExpanded] = useState(false);
  const [now] = useState(() => new Date());
  const reads = readsText(reader, now);
  const used = maxOpens === null || reader.state !== "read" ? null : `${reader.reads.length} of ${maxOpens} opens`;
  return (
    <li className="secure-reader" data-testid="secure-reader" data-address={reader.address} data-state={reader.state}>
      <span className="secure-address" title={reader.address}>
        {reader.address}
      </span>
      <span className={`secure-state secure-state-${reader.state}`} data-testid="secure-reader-state" title={reads === "" ? undefined : `Read ${reads}`}>
        {readerText(reader, now)}
        {used !== null ? ` · ${used}` : ""}
      </span>
      {reader.reads.length > 1 ? (
        <button type="button" className="link-button" aria-expanded={expanded} data-testid="secure-reads-toggle" onClick={() => setExpanded(!expanded)}>
          {expanded ? "Hide reads" : `All ${reader.reads.length} reads`}
        </button>
      ) : null}
      <span className="secure-actions">
        {open && reader.state === "locked" ? (
          <button type="button" className="button small" disabled={busy} aria-label={`Unlock ${reader.address}`} data-testid="secure-unlock" onClick={onUnlock}>
            Unlock
          </button>
        ) : null}
        {open && reader.state !== "revoked" ? (
          <button type="button" className="button small" disabled={busy} aria-label={`Revoke ${reader.address}`} data-testid="secure-revoke" onClick={onRevoke}>
            Revoke
          </button>
        ) : null}
      </span>
      {expanded ? (
        <ol className="secure-reads" aria-label={`Reads by ${reader.address}`}>
          {reader.reads.map((r, i) => (
            <li key={i}>{formatDayTime(r, now)}</li>
          ))}
        </ol>
      ) : null}
    </li>
  );
}

function RevokeAllQuestion({ busy, onRevoke, onCancel }: { busy: boolean; onRevoke: () => void; onCancel: () => void }) {
  return (
    <div className="send-question" role="alertdialog" aria-label="Revoke for everyone?" data-testid="secure-revoke-all-question">
      <span>
        Revoke for everyone? The link stops working for every reader, even for someone who copied it. This cannot be
        undone.
      </span>
      <button type="button" className="button small danger" disabled={busy} data-testid="secure-revoke-all-confirm" onClick={onRevoke}>
        Revoke for everyone
      </button>
      <button type="button" className="button small" autoFocus onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

function SecureThread({ threadId, kept, ...reporters }: { threadId: number; kept: SecureStatus } & Reporters) {
  const api = useApi();
  const { busy, run } = useAction(threadId, reporters);
  const [asking, setAsking] = useState(false);
  const [now] = useState(() => new Date());
  const view = kept.status;
  const open = view === null || !isClosed(view, now.getTime() / 1000);
  const revokeAll = async () => {
    await run(() => api.secure.revoke(kept.id, null), "the revoke", "Revoked for everyone: the link no longer opens");
    setAsking(false);
  };
  return (
    <section className="secure-thread" aria-label="Secure message" data-testid="secure-thread" data-secure-id={kept.id}>
      <header className="secure-head">
        <Lock size={14} aria-hidden="true" />
        <strong>Secure message</strong>
        {view !== null ? (
          <>
            <span className="muted">sent {formatDayTime(view.created_at, now)}</span>
            <span className={open ? "" : "secure-closed"} data-testid="secure-expiry">
              {expiryText(view, now)}
            </span>
            <span className="muted" data-testid="secure-opens">
              {opensText(view.max_opens)}
            </span>
          </>
        ) : (
          <span className="muted" data-testid="secure-unknown">
            Status not fetched yet: it comes with the next sync with the team server.
          </span>
        )}
        {open && !asking ? (
          <button type="button" className="button small secure-revoke-all" disabled={busy} data-testid="secure-revoke-all" onClick={() => setAsking(true)}>
            Revoke for everyone
          </button>
        ) : null}
      </header>
      {asking ? <RevokeAllQuestion busy={busy} onRevoke={() => void revokeAll()} onCancel={() => setAsking(false)} /> : null}
      {view !== null && view.recipients.length > 0 ? (
        <ul className="secure-readers" aria-label="Readers">
          {view.recipients.map((r) => (
            <Reader
              key={r.n}
              reader={r}
              open={open}
              maxOpens={view.max_opens}
              busy={busy}
              onUnlock={() =>
                void run(() => api.secure.unlock(kept.id, r.n), "the unlock", `${r.address} can ask for a new code`)
              }
              onRevoke={() =>
                void run(() => api.secure.revoke(kept.id, r.n), "the revoke", `${r.address} can no longer open it`)
              }
            />
          ))}
        </ul>
      ) : null}
    </section>
  );
}

interface Props extends Reporters {
  threadId: number;
}

export function SecurePanel({ threadId, onError, onNotice }: Props) {
  const secure = useSecureStatus(threadId);
  const kept = secure.data ?? [];
  const syncError = useSecureSyncOnOpen(kept.length > 0);
  useEffect(() => {
    if (secure.error !== null) onError(toApiError(secure.error));
  }, [secure.error, onError]);
  // Nothing until the vault answers (a local read), and nothing for an ordinary conversation.
  if (kept.length === 0) return null;
  return (
    <div className="secure-panel" data-testid="secure-panel">
      {syncError !== null ? (
        <p className="secure-offline muted" role="status" data-testid="secure-offline">
          Not refreshed from the team server ({syncError.message}); this is the last status kept here.
        </p>
      ) : null}
      {kept.map((s) => (
        <SecureThread key={s.id} threadId={threadId} kept={s} onError={onError} onNotice={onNotice} />
      ))}
    </div>
  );
}
