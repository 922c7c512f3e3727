// One ~56 px row of the conversation list (or of search hits): sender (bold when unread) and
// date, then subject and snippet, with the message count, the assignees (team inboxes) and
// attachment and label chips. Its
// height never changes with hover, selection or data arriving; a row still loading is a skeleton
// of the same size.
import { Paperclip, UserRound } from "lucide-react";
import { memo } from "react";
import { labelName } from "../sidebar/health";
import { displaySubject, formatListDate } from "../format";

export const ROW_HEIGHT = 56;

export interface RowData {
  key: number;
  from: string;
  subject: string;
  snippet: string;
  date: number;
  unread: boolean;
  count: number;
  hasAttachments: boolean;
  labels: readonly string[];
  kept?: boolean;
}

interface Props {
  id: string;
  index: number;
  data: RowData | undefined;
  top: number;
  /** The keyboard cursor is here. */
  active: boolean;
  /** Part of the multi-selection. */
  selected: boolean;
  /** This row's conversation is open in the thread pane. */
  open: boolean;
  /** The assignees' names, in a team inbox's assigned conversation. */
  assigned?: string | undefined;
  testId: string;
  /** Stable across renders, so a row re-renders only when its own props change. */
  onClick: (index: number, event: React.MouseEvent) => void;
}

/** The sender's display name: `Ada Lovelace` from `Ada Lovelace <ada@example.com>`. */
export function senderName(from: string): string {
  const match = /^\s*"?([^"<]*?)"?\s*<[^>]*>\s*$/.exec(from);
  const name = match?.[1]?.trim();
  return name !== undefined && name !== "" ? name : from.replace(/[<>]/g, "").trim();
}

export const ConversationRow = memo(function ConversationRow({
  id,
  index,
  data,
  top,
  active,
  selected,
  open,
  assigned,
  testId,
  onClick,
}: Props) {
  const style = { transform: `translateY(${top}px)`, height: ROW_HEIGHT };
  if (data === undefined) {
    return <div className="row row-skeleton" style={style} aria-hidden="true" data-testid="row-skeleton" />;
  }
  const chips = data.labels.map(labelName).filter((l): l is string => l !== null && l !== "Inbox");
  return (
    <div
      id={id}
      role="option"
      aria-selected={selected}
      aria-current={open ? "true" : undefined}
      className={`row${data.unread ? " unread" : ""}${active ? " active" : ""}${selected ? " selected" : ""}${open ? " open" : ""}`}
      style={style}
      data-testid={testId}
      onClick={(event) => onClick(index, event)}
    >
      <div className="row-line">
        <span className="row-from" title={data.from}>
          {senderName(data.from)}
        </span>
        {data.count > 1 ? <span className="row-count">{data.count}</span> : null}
        <span className="row-chips">
          {data.kept === true ? <span className="chip chip-warn">Could not be displayed</span> : null}
          {assigned !== undefined ? (
            <span className="chip chip-assignee" title={`Assigned to ${assigned}`} data-testid="row-assignees">
              <UserRound size={11} aria-hidden="true" />
              {assigned}
            </span>
          ) : null}
          {chips.slice(0, 3).map((l) => (
            <span key={l} className="chip">
              {l}
            </span>
          ))}
          {data.hasAttachments ? (
            <Paperclip size={12} role="img" aria-label="has attachments" />
          ) : null}
        </span>
        <time className="row-date">{formatListDate(data.date)}</time>
      </div>
      <div className="row-line">
        <span className="row-subject">{displaySubject(data.subject)}</span>
        <span className="row-snippet">{data.snippet}</span>
      </div>
    </div>
  );
});
