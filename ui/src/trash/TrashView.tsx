// The trash: every deleted message with the days left before the purge may take it, and the
// deleted inboxes. A message can be restored, or purged at once after a confirmation; "Purge
// expired" runs the purge that otherwise runs at start-up and daily.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { RotateCcw, Trash2 } from "lucide-react";
import { useState } from "react";
import { toApiError, type ApiError, type TrashItem } from "../api";
import { useApi } from "../app/apiContext";
import { senderName } from "../conversations/ConversationRow";
import { displaySubject, formatFullDate } from "../format";

interface Props {
  onError: (error: ApiError) => void;
  onDone: (text: string) => void;
}

function daysLeft(item: TrashItem): string {
  if (item.days_left <= 0) return "purged at the next purge";
  return item.days_left === 1 ? "1 day left" : `${item.days_left} days left`;
}

export function TrashView({ onError, onDone }: Props) {
  const api = useApi();
  const client = useQueryClient();
  const trash = useQuery({ queryKey: ["trash"], queryFn: () => api.trash() });
  const [confirming, setConfirming] = useState<number | null>(null);
  const changed = () => void client.invalidateQueries();
  const restore = useMutation({
    mutationFn: (ids: number[]) => api.restoreMessages(ids),
    onSuccess: (r) => {
      changed();
      onDone(r.restored.length === 1 ? "Message restored" : `${r.restored.length} messages restored`);
    },
    onError: (e) => onError(toApiError(e)),
  });
  const purge = useMutation({
    mutationFn: (ids: number[]) => api.purgeMessages(ids),
    onSuccess: (r) => {
      setConfirming(null);
      changed();
      onDone(r.purged === 1 ? "Message purged for good" : `${r.purged} messages purged for good`);
    },
    onError: (e) => onError(toApiError(e)),
  });
  const expired = useMutation({
    mutationFn: () => api.purgeExpired(),
    onSuccess: (r) => {
      changed();
      onDone(r.purged === 0 ? "Nothing had expired" : `${r.purged} expired messages purged`);
    },
    onError: (e) => onError(toApiError(e)),
  });

  if (trash.isPending) return <p className="empty">Loading the trash…</p>;
  if (trash.isError) return <p className="empty">The trash could not be read.</p>;
  const { messages, inboxes } = trash.data;
  return (
    <section className="trash" aria-label="Trash" data-testid="trash">
      <div className="list-header">
        <span className="list-count" data-testid="list-count">
          {messages.length === 1 ? "1 deleted message" : `${messages.length} deleted messages`}
        </span>
        <button type="button" className="button small" onClick={() => expired.mutate()} disabled={expired.isPending}>
          Purge expired
        </button>
      </div>
      {messages.length === 0 && inboxes.length === 0 ? (
        <p className="empty" data-testid="list-empty">
          The trash is empty. Deleted mail stays here, restorable, for the grace period set in Settings → Data.
        </p>
      ) : null}
      <ul className="trash-list">
        {inboxes.map((inbox) => (
          <li key={`inbox-${inbox.id}`} className="trash-item" data-testid="trash-inbox">
            <div className="trash-text">
              <strong>Inbox {inbox.address}</strong>
              <span className="muted">
                {inbox.messages} messages · deleted {formatFullDate(inbox.deleted_at)} · purge after{" "}
                {formatFullDate(inbox.purge_after)}
              </span>
            </div>
          </li>
        ))}
        {messages.map((item) => (
          <li key={item.message.id} className="trash-item" data-testid="trash-row">
            <div className="trash-text">
              <span className="row-subject">{displaySubject(item.message.subject)}</span>
              <span className="muted">
                {senderName(item.message.from)} · deleted {formatFullDate(item.deleted_at)} ·{" "}
                <span data-testid="days-left">{daysLeft(item)}</span>
              </span>
            </div>
            {confirming === item.message.id ? (
              <span className="confirm" role="group" aria-label="Confirm purge">
                Purge for good?
                <button type="button" className="button danger small" onClick={() => purge.mutate([item.message.id])}>
                  Purge
                </button>
                <button type="button" className="button small" onClick={() => setConfirming(null)}>
                  Keep
                </button>
              </span>
            ) : (
              <span className="trash-actions">
                <button
                  type="button"
                  className="button small"
                  onClick={() => restore.mutate([item.message.id])}
                  aria-label={`Restore ${displaySubject(item.message.subject)}`}
                >
                  <RotateCcw size={12} aria-hidden="true" /> Restore
                </button>
                <button
                  type="button"
                  className="icon-button"
                  onClick={() => setConfirming(item.message.id)}
                  aria-label={`Purge ${displaySubject(item.message.subject)} now`}
                >
                  <Trash2 size={14} aria-hidden="true" />
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
