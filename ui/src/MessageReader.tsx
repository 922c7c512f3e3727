// The right pane: headers, the plain-text body in a <pre>, and the attachment names of one message.
import type { MessageView } from "./api";
import { displaySubject, formatAddresses, formatFullDate, formatSize } from "./format";

interface Props {
  message: MessageView;
}

export function MessageReader({ message }: Props) {
  const to = formatAddresses(message.to);
  const cc = formatAddresses(message.cc);
  return (
    <article className="reader" aria-label="Message">
      <header className="reader-header">
        <h1 data-testid="message-subject">{displaySubject(message.subject)}</h1>
        {message.rejected !== null ? (
          <p className="reader-kept" role="note" data-testid="message-kept">
            helpr could not display this message ({message.rejected}). It is kept as it came.
          </p>
        ) : null}
        <dl className="headers">
          <dt>From</dt>
          <dd data-testid="message-from">{message.from}</dd>
          {to !== "" ? (
            <>
              <dt>To</dt>
              <dd>{to}</dd>
            </>
          ) : null}
          {cc !== "" ? (
            <>
              <dt>Cc</dt>
              <dd>{cc}</dd>
            </>
          ) : null}
          <dt>Date</dt>
          <dd>{formatFullDate(message.date)}</dd>
        </dl>
        {message.labels.length > 0 ? (
          <ul className="labels" aria-label="Labels">
            {message.labels.map((label) => (
              <li key={label}>{label}</li>
            ))}
          </ul>
        ) : null}
      </header>
      {message.attachments.length > 0 ? (
        <ul className="attachments" aria-label="Attachments" data-testid="attachments">
          {message.attachments.map((a) => (
            <li key={a.id} title={a.content_type}>
              <span className="attachment-name">{a.name}</span>
              <span className="attachment-size">{formatSize(a.size)}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {message.text.trim() !== "" ? (
        <pre className="body" data-testid="message-body">
          {message.text}
        </pre>
      ) : (
        <p className="empty">This message has no plain-text body.</p>
      )}
    </article>
  );
}
