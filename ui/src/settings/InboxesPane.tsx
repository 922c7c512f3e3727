// Settings → Inboxes: every inbox with its kind, counts and health (the last error in full), and
// per Gmail inbox: sync now, full resync, disconnect (revoked at Google; the mail stays). Connect
// Gmail runs the OAuth sign-in: consent in the system browser (its link shown too), then a
// first sync whose progress the table shows.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ExternalLink, Plus } from "lucide-react";
import { useId, useState } from "react";
import { toApiError, type ApiError, type ConnectEvent, type SidebarInbox, type SyncEvent } from "../api";
import { useApi } from "../app/apiContext";
import { useSync } from "../app/sync";
import { useSidebar } from "../sidebar/Sidebar";
import { inboxTitle, summarize } from "../sidebar/health";
import { formatFullDate } from "../format";

interface Props {
  onError: (error: ApiError) => void;
  onDone: (text: string) => void;
}

function ConnectGmail({ onError, onDone }: Props) {
  const api = useApi();
  const sync = useSync();
  const id = useId();
  const setup = useQuery({ queryKey: ["gmail-setup"], queryFn: () => api.gmailSetup() });
  const [open, setOpen] = useState(false);
  const [clientId, setClientId] = useState("");
  const [secret, setSecret] = useState("");
  const [consent, setConsent] = useState<ConnectEvent | null>(null);
  const connect = useMutation({
    mutationFn: () =>
      api.connectGmail(setup.data?.configured === true ? null : { client_id: clientId, client_secret: secret }, setConsent),
    onSuccess: (address) => {
      setConsent(null);
      setOpen(false);
      onDone(`${address} connected; syncing`);
      void sync.syncNow(address).catch((e: unknown) => onError(toApiError(e)));
    },
    onError: (e) => {
      setConsent(null);
      onError(toApiError(e));
    },
  });
  if (!open) {
    return (
      <button type="button" className="button primary" data-testid="connect-gmail" onClick={() => setOpen(true)}>
        <Plus size={14} aria-hidden="true" /> Connect Gmail
      </button>
    );
  }
  const needsClient = setup.data?.configured === false;
  return (
    <form
      className="connect-form"
      aria-label="Connect Gmail"
      onSubmit={(e) => {
        e.preventDefault();
        connect.mutate();
      }}
    >
      {needsClient ? (
        <>
          <p className="muted">
            helpr signs in with your organisation&apos;s Google desktop OAuth client. Its credentials stay on this
            computer.
          </p>
          <label htmlFor={`${id}-client`}>Client ID</label>
          <input id={`${id}-client`} value={clientId} onChange={(e) => setClientId(e.target.value)} required />
          <label htmlFor={`${id}-secret`}>Client secret</label>
          <input id={`${id}-secret`} type="password" value={secret} onChange={(e) => setSecret(e.target.value)} required />
        </>
      ) : null}
      {connect.isPending ? (
        <div role="status" className="consent" data-testid="consent">
          {consent === null ? (
            "Starting the sign-in…"
          ) : (
            <>
              {consent.opened ? "Finish signing in in your browser." : "Open this link in a browser to sign in."}{" "}
              <a href={consent.url} target="_blank" rel="noreferrer" data-testid="consent-url">
                Sign-in link <ExternalLink size={12} aria-hidden="true" />
              </a>
            </>
          )}
        </div>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={connect.isPending} data-testid="connect-start">
          {connect.isPending ? "Waiting for Google…" : "Sign in with Google"}
        </button>
        <button type="button" className="button" disabled={connect.isPending} onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function progressLabel(e: SyncEvent): string {
  if (e.total === 0) return "Syncing…";
  return `Syncing ${e.done.toLocaleString()} / ${e.total.toLocaleString()}`;
}

function InboxActions({ inbox, onError, onDone }: Props & { inbox: SidebarInbox }) {
  const api = useApi();
  const sync = useSync();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const act = useMutation({
    mutationFn: async (what: "sync" | "resync" | "disconnect") => {
      if (what === "disconnect") {
        await api.disconnectInbox(inbox.address);
        return `${inbox.address} disconnected; its mail stays`;
      }
      if (what === "resync") await api.resyncInbox(inbox.address);
      const failed = (await sync.syncNow(inbox.address)).find((o) => o.error !== null)?.error;
      // A failed run shows in the inbox's health; the toast says the run is over either way.
      return failed != null ? `${inbox.address} could not sync: ${failed.message}` : `${inbox.address} synced`;
    },
    onSuccess: (text) => {
      setConfirming(false);
      void queryClient.invalidateQueries();
      onDone(text);
    },
    onError: (e) => onError(toApiError(e)),
  });
  if (inbox.health === null || inbox.health.account === "disconnected") return null;
  if (confirming) {
    return (
      <div className="row-actions" role="group" aria-label={`Disconnect ${inbox.address}?`}>
        <span>Disconnect? Sync stops; the mail stays.</span>
        <button type="button" className="button small danger" data-testid="disconnect-confirm" onClick={() => act.mutate("disconnect")}>
          Disconnect
        </button>
        <button type="button" className="button small" onClick={() => setConfirming(false)}>
          Keep
        </button>
      </div>
    );
  }
  return (
    <div className="row-actions" role="group" aria-label={`Actions for ${inbox.address}`}>
      <button type="button" className="button small" data-testid="sync-now" disabled={act.isPending} onClick={() => act.mutate("sync")}>
        Sync now
      </button>
      <button type="button" className="button small" disabled={act.isPending} onClick={() => act.mutate("resync")}>
        Full resync
      </button>
      <button type="button" className="button small" data-testid="disconnect" disabled={act.isPending} onClick={() => setConfirming(true)}>
        Disconnect
      </button>
    </div>
  );
}

export function InboxesPane({ onError, onDone }: Props) {
  const sidebar = useSidebar();
  const sync = useSync();
  if (sidebar.isPending) return <p className="empty">Loading…</p>;
  if (sidebar.isError) return <p className="empty">The inboxes could not be read.</p>;
  return (
    <>
      <table className="table" data-testid="inboxes-table">
        <thead>
          <tr>
            <th scope="col">Inbox</th>
            <th scope="col">Kind</th>
            <th scope="col" className="num">
              Conversations
            </th>
            <th scope="col">Health</th>
            <th scope="col">Last sync</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sidebar.data.map((inbox) => {
            const health = summarize(inbox.health);
            const live = sync.progress[inbox.address];
            return (
              <tr key={inbox.inbox_id} data-testid="inbox-row" data-address={inbox.address}>
                <td>{inboxTitle(inbox)}</td>
                <td>{inbox.kind === "gmail" ? "Gmail" : "Local"}</td>
                <td className="num">{inbox.conversations}</td>
                <td data-testid="inbox-health-cell" data-kind={live !== undefined ? "syncing" : health.kind}>
                  {live !== undefined ? (
                    <>
                      <span className="health-syncing">{progressLabel(live)}</span>
                      {live.total > 0 ? <progress max={live.total} value={live.done} aria-label={`Sync of ${inbox.address}`} /> : null}
                    </>
                  ) : (
                    <span className={`health-${health.kind}`}>{health.label}</span>
                  )}
                  {health.reason !== null ? <div className="muted">{health.reason}</div> : null}
                  {inbox.health !== null && inbox.health.outbox_pending > 0 ? (
                    <div className="muted">{inbox.health.outbox_pending} moves to Gmail&apos;s Trash waiting</div>
                  ) : null}
                </td>
                <td>{inbox.health?.last_sync_at != null ? formatFullDate(inbox.health.last_sync_at) : "—"}</td>
                <td>
                  <InboxActions inbox={inbox} onError={onError} onDone={onDone} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <ConnectGmail onError={onError} onDone={onDone} />
    </>
  );
}
