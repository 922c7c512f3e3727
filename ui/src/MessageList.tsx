// The left pane: one row per message (date, from, subject), in the order helpr-core returns them
// (newest first for the full list; the chosen order for search hits).
import type { MessageSummary } from "./api";
import { displaySubject, formatListDate } from "./format";

interface Props {
  messages: readonly MessageSummary[];
  selectedId: number | null;
  onSelect: (id: number) => void;
  /** What an empty list says. */
  emptyText?: string;
  now?: Date;
}

export function MessageList({
  messages,
  selectedId,
  onSelect,
  emptyText = "No messages in this vault yet.",
  now,
}: Props) {
  if (messages.length === 0) {
    return <p className="empty">{emptyText}</p>;
  }
  return (
    <ul className="message-list" aria-label="Messages">
      {messages.map((m) => {
        const selected = m.id === selectedId;
        const classes = ["message-row", selected ? "selected" : "", m.unread ? "unread" : ""];
        return (
          <li key={m.id}>
            <button
              type="button"
              className={classes.filter(Boolean).join(" ")}
              data-testid="message-row"
              data-message-id={m.id}
              aria-current={selected ? "true" : undefined}
              onClick={() => onSelect(m.id)}
            >
              <span className="row-top">
                <span className="row-from">{m.from}</span>
                <time className="row-date" dateTime={new Date(m.date * 1000).toISOString()}>
                  {formatListDate(m.date, now)}
                </time>
              </span>
              <span className="row-subject">
                {m.has_attachments ? <PaperclipIcon /> : null}
                {m.kept ? <span className="row-kept">Could not be displayed</span> : null}
                {displaySubject(m.subject)}
              </span>
              <span className="row-snippet">{m.snippet}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** Drawn inline so it needs no emoji font and no asset request. */
function PaperclipIcon() {
  return (
    <svg
      className="row-clip"
      viewBox="0 0 16 16"
      width="12"
      height="12"
      role="img"
      aria-label="has attachments"
    >
      <path
        d="M10.5 4.5 5.8 9.2a1.2 1.2 0 0 0 1.7 1.7l5-5a2.5 2.5 0 0 0-3.5-3.5l-5 5a3.8 3.8 0 0 0 5.4 5.4l4.3-4.3"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.4"
        strokeLinecap="round"
      />
    </svg>
  );
}
