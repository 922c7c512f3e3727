// Settings → Notifications: new mail in a watched inbox raises an OS notification. Off until
// the user turns it on for an inbox; by default a notification says only how many messages
// arrived where, and names the sender and subject only if the user allows it (never while the
// screen is locked: the shell asks the session first).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { toApiError, type ApiError } from "../api";
import { useApi } from "../app/apiContext";
import { inboxTitle } from "../sidebar/health";

interface Props {
  onError: (error: ApiError) => void;
  onDone: (text: string) => void;
}

const KEY = ["notification-settings"];

export function NotificationsPane({ onError, onDone }: Props) {
  const api = useApi();
  const client = useQueryClient();
  const settings = useQuery({ queryKey: KEY, queryFn: () => api.notificationSettings() });
  const refresh = () => void client.invalidateQueries({ queryKey: KEY });
  const watch = useMutation({
    mutationFn: ({ inbox, on }: { inbox: number; title: string; on: boolean }) => api.watchInbox(inbox, on),
    onSuccess: (_r, { title, on }) => {
      refresh();
      onDone(on ? `New mail in ${title} will raise a notification` : `No more notifications for ${title}`);
    },
    onError: (e) => onError(toApiError(e)),
  });
  const content = useMutation({
    mutationFn: (on: boolean) => api.showNotificationContent(on),
    onSuccess: (_r, on) => {
      refresh();
      onDone(on ? "Notifications name the sender and subject" : "Notifications show no content");
    },
    onError: (e) => onError(toApiError(e)),
  });
  if (settings.isPending) return <p className="empty">Loading…</p>;
  if (settings.isError) return <p className="empty">The notification settings could not be read.</p>;
  const { inboxes, show_content } = settings.data;
  return (
    <>
      <section className="card" aria-labelledby="notify-inboxes-title">
        <h3 id="notify-inboxes-title">New mail</h3>
        <p className="muted">A notification when new unread mail arrives in the inboxes checked here.</p>
        {inboxes.length === 0 ? (
          <p className="empty">No inboxes yet.</p>
        ) : (
          <ul className="check-list" data-testid="notify-inboxes">
            {inboxes.map((inbox) => (
              <li key={inbox.inbox_id}>
                <label>
                  <input
                    type="checkbox"
                    checked={inbox.watched}
                    disabled={watch.isPending}
                    onChange={(e) => watch.mutate({ inbox: inbox.inbox_id, title: inboxTitle(inbox), on: e.target.checked })}
                    data-testid="notify-inbox"
                    data-address={inbox.address}
                  />
                  {inboxTitle(inbox)}
                </label>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="notify-content-title">
        <h3 id="notify-content-title">Privacy</h3>
        <label className="check-row">
          <input
            type="checkbox"
            checked={show_content}
            disabled={content.isPending}
            aria-describedby="notify-content-help"
            onChange={(e) => content.mutate(e.target.checked)}
            data-testid="notify-content"
          />
          Show the sender and subject
        </label>
        <p id="notify-content-help" className="muted">
          Off: a notification says only how many messages arrived, and in which inbox. On: it names the sender and
          subject, but never while the screen is locked (or when helpr cannot tell).
        </p>
      </section>
    </>
  );
}
