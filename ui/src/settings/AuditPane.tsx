// Settings → Audit log: every security-relevant action with time, actor and object, filtered by
// action family and date. Objects are keyed hashes; one whose object was purged can no longer be
// resolved and shows as redacted. "Verify chain" recomputes the hash chain and names any entry
// that was edited, removed, inserted or moved.
import { useMutation, useQuery } from "@tanstack/react-query";
import { ShieldAlert, ShieldCheck } from "lucide-react";
import { useState } from "react";
import { toApiError, type ApiError, type AuditEntry } from "../api";
import { useApi } from "../app/apiContext";
import { formatFullDate } from "../format";

interface Props {
  onError: (error: ApiError) => void;
}

export const ACTION_FAMILIES = [
  { value: "", label: "All actions" },
  { value: "vault.", label: "Vault" },
  { value: "key.", label: "Keys" },
  { value: "inbox.", label: "Inboxes" },
  { value: "message.", label: "Messages" },
  { value: "settings.", label: "Settings" },
] as const;

/** The object column: kind and the start of its hash, and whether it still resolves. */
export function objectLabel(entry: AuditEntry): string {
  if (entry.object_kind === null || entry.object_ref === null) return "—";
  const hash = entry.object_ref.slice(0, 12);
  return entry.object_id === null
    ? `${entry.object_kind} ${hash}… (redacted)`
    : `${entry.object_kind} ${entry.object_id} · ${hash}…`;
}

/** Unix seconds at local midnight of a `YYYY-MM-DD` date input, or null. */
export function sinceOf(date: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const at = new Date(`${date}T00:00:00`).getTime();
  return Number.isNaN(at) ? null : Math.floor(at / 1000);
}

export function AuditPane({ onError }: Props) {
  const api = useApi();
  const [action, setAction] = useState("");
  const [since, setSince] = useState("");
  const query = { action: action === "" ? null : action, since: sinceOf(since) };
  const log = useQuery({ queryKey: ["audit", query], queryFn: () => api.auditLog(query) });
  const verify = useMutation({ mutationFn: () => api.auditVerify(), onError: (e) => onError(toApiError(e)) });
  const entries = log.data ?? [];
  return (
    <>
      <div className="toolbar" role="group" aria-label="Filter the audit log">
        <label>
          Action{" "}
          <select value={action} onChange={(event) => setAction(event.target.value)} aria-label="Action">
            {ACTION_FAMILIES.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Since <input type="date" value={since} onChange={(event) => setSince(event.target.value)} aria-label="Since" />
        </label>
        <button type="button" className="button" onClick={() => verify.mutate()} disabled={verify.isPending}>
          Verify chain
        </button>
      </div>
      {verify.data !== undefined ? (
        <div
          className={`verdict ${verify.data.intact ? "ok" : "bad"}`}
          role="status"
          data-testid="audit-verdict"
        >
          {verify.data.intact ? (
            <>
              <ShieldCheck size={14} aria-hidden="true" /> Intact: {verify.data.entries} entries, every link of the
              chain checks.
            </>
          ) : (
            <>
              <ShieldAlert size={14} aria-hidden="true" /> The trail was tampered with:
              <ul>
                {verify.data.problems.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            </>
          )}
        </div>
      ) : null}
      {log.isPending ? <p className="empty">Loading…</p> : null}
      {log.isSuccess && entries.length === 0 ? <p className="empty">No entries match.</p> : null}
      {entries.length > 0 ? (
        <table className="table audit" data-testid="audit-table">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Object</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.seq} data-testid="audit-row">
                <td className="num">{formatFullDate(e.at)}</td>
                <td>{e.actor}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td className={e.object_id === null && e.object_ref !== null ? "redacted" : undefined}>
                  {objectLabel(e)}
                </td>
                <td>{e.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
