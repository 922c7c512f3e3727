// Settings → Inboxes: every inbox with its kind, counts and health, the last error in full.
import { useSidebar } from "../sidebar/Sidebar";
import { summarize } from "../sidebar/health";
import { formatFullDate } from "../format";

export function InboxesPane() {
  const sidebar = useSidebar();
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
          </tr>
        </thead>
        <tbody>
          {sidebar.data.map((inbox) => {
            const health = summarize(inbox.health);
            return (
              <tr key={inbox.inbox_id}>
                <td>{inbox.kind === "local" ? "Imported mail" : inbox.address}</td>
                <td>{inbox.kind === "gmail" ? "Gmail" : "Local"}</td>
                <td className="num">{inbox.conversations}</td>
                <td>
                  <span className={`health-${health.kind}`}>{health.label}</span>
                  {health.reason !== null ? <div className="muted">{health.reason}</div> : null}
                  {inbox.health !== null && inbox.health.outbox_pending > 0 ? (
                    <div className="muted">{inbox.health.outbox_pending} moves to Gmail's Trash waiting</div>
                  ) : null}
                </td>
                <td>
                  {inbox.health?.last_sync_at != null ? formatFullDate(inbox.health.last_sync_at) : "—"}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted">
        Connect a Gmail inbox with <code>helpr connect gmail</code>; syncing and disconnecting from here follow.
      </p>
    </>
  );
}
