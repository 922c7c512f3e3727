// The right pane: one conversation, oldest message first, the newest expanded and the others
// collapsed to one line (click to expand). An HTML body is shown in a sandboxed frame that can
// neither run script nor fetch anything; the bar above it says how many remote images were
// blocked and from where. Attachments are listed as chips with their size.
import { useQuery } from "@tanstack/react-query";
import { ImageOff, Paperclip, Trash2, X } from "lucide-react";
import { useEffect, useState } from "react";
import { toApiError, type ApiError, type MessageView } from "../api";
import { useApi } from "../app/apiContext";
import { displaySubject, formatAddresses, formatFullDate, formatSize } from "../format";
import { senderName } from "../conversations/ConversationRow";
import { blockedHosts, frameDocument, frameHeight, FRAME_SANDBOX } from "./frame";

interface Props {
  threadId: number;
  onClose: () => void;
  onDelete: () => void;
  onError: (error: ApiError) => void;
}

function ImagesBar({ urls }: { urls: readonly string[] }) {
  const [shown, setShown] = useState(false);
  const hosts = blockedHosts(urls);
  return (
    <div className="images-bar" role="status" data-testid="remote-images-bar">
      <ImageOff size={14} aria-hidden="true" />
      <span>
        {urls.length === 1 ? "1 remote image blocked" : `${urls.length} remote images blocked`} to
        protect your privacy.
      </span>
      <button type="button" className="link-button" aria-expanded={shown} onClick={() => setShown(!shown)}>
        {shown ? "Hide sources" : "Show sources"}
      </button>
      {shown ? (
        <ul className="images-hosts" aria-label="Blocked image sources">
          {hosts.map((h) => (
            <li key={h}>{h}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function MessageBody({ message }: { message: MessageView }) {
  if (message.html !== null) {
    return (
      <iframe
        className="message-frame"
        data-testid="message-frame"
        title={`Message from ${senderName(message.from)}`}
        sandbox={FRAME_SANDBOX}
        referrerPolicy="no-referrer"
        srcDoc={frameDocument(message.html)}
        style={{ height: frameHeight(message.text, message.html) }}
      />
    );
  }
  if (message.text.trim() === "") return <p className="empty">This message has no body.</p>;
  return (
    <pre className="body" data-testid="message-body">
      {message.text}
    </pre>
  );
}

function MessageCard({ message, initiallyOpen }: { message: MessageView; initiallyOpen: boolean }) {
  const [open, setOpen] = useState(initiallyOpen);
  const to = formatAddresses(message.to);
  const cc = formatAddresses(message.cc);
  return (
    <section className={`message${open ? " expanded" : ""}`} data-testid="thread-message" aria-label={`Message from ${senderName(message.from)}`}>
      <button type="button" className="message-head" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span className="message-from" data-testid="message-from" title={message.from}>
          {senderName(message.from)}
        </span>
        {open ? null : <span className="message-snippet">{message.text.slice(0, 160)}</span>}
        <time className="message-date">{formatFullDate(message.date)}</time>
      </button>
      {open ? (
        <div className="message-content">
          <dl className="headers">
            <dt>From</dt>
            <dd>{message.from}</dd>
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
          </dl>
          {message.rejected !== null ? (
            <p className="kept-note" role="note" data-testid="message-kept">
              helpr could not display this message ({message.rejected}). It is kept as it came.
            </p>
          ) : null}
          {message.remote_images.length > 0 ? <ImagesBar urls={message.remote_images} /> : null}
          <MessageBody message={message} />
          {message.attachments.length > 0 ? (
            <ul className="attachments" aria-label="Attachments" data-testid="attachments">
              {message.attachments.map((a) => (
                <li key={a.id} className="attachment" title={a.content_type}>
                  <Paperclip size={12} aria-hidden="true" />
                  <span className="attachment-name">{a.name}</span>
                  <span className="attachment-size">{formatSize(a.size)}</span>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

export function ThreadView({ threadId, onClose, onDelete, onError }: Props) {
  const api = useApi();
  const thread = useQuery({ queryKey: ["thread", threadId], queryFn: () => api.thread(threadId) });
  useEffect(() => {
    if (thread.error !== null) onError(toApiError(thread.error));
  }, [thread.error, onError]);

  if (thread.isPending) {
    return (
      <div className="thread" aria-busy="true" aria-label="Loading conversation">
        <div className="thread-skeleton" />
      </div>
    );
  }
  if (thread.isError) return <p className="empty">This conversation could not be opened.</p>;
  const { messages } = thread.data;
  return (
    <article className="thread" aria-label="Conversation" data-testid="thread">
      <header className="thread-header">
        <h1 data-testid="thread-subject">{displaySubject(thread.data.subject)}</h1>
        <span className="thread-count">
          {messages.length === 1 ? "1 message" : `${messages.length} messages`}
        </span>
        <button type="button" className="icon-button" aria-label="Delete conversation" title="Delete (#)" onClick={onDelete}>
          <Trash2 size={16} aria-hidden="true" />
        </button>
        <button type="button" className="icon-button" aria-label="Close conversation" title="Close (Esc)" onClick={onClose}>
          <X size={16} aria-hidden="true" />
        </button>
      </header>
      {messages.map((m, i) => (
        <MessageCard key={m.id} message={m} initiallyOpen={i === messages.length - 1} />
      ))}
    </article>
  );
}
