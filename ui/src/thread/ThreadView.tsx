// The right pane: one conversation, oldest message first, the newest expanded and the others
// collapsed to one line (click to expand). An HTML body is shown in a sandboxed frame that can
// neither run script nor fetch anything; the bar above it says how many remote images were
// blocked and from where, and loads them once or always for the sender (core fetches them; the
// frame gets `data:` URLs). Attachments are chips with their size: click saves to the downloads
// folder, the arrow asks where (the OS's dialog); core decrypts into that file only. Each open message
// offers reply, reply-all (when it had other recipients) and forward. Opening a conversation
// with unread mail marks it read (here and at Gmail); Mark unread undoes that. Labels opens
// the workspace's label menu over it. In a shared inbox the header says who the conversation
// is assigned to and who else views it or writes a reply, live, and the server is told the
// user has it open. A conversation with protected threads (secure email) shows their status
// and the sender's controls above the messages.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Download, Forward, ImageOff, Mail, Paperclip, Reply, ReplyAll, Tag, Trash2, X } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { toApiError, type ApiError, type AttachmentInfo, type ComposeMode, type MessageView } from "../api";
import { useApi } from "../app/apiContext";
import { displaySubject, formatAddresses, formatFullDate, formatSize } from "../format";
import { SecurePanel } from "../secure/SecurePanel";
import { senderName } from "../conversations/ConversationRow";
import { assigneeNames, presenceLines } from "../team/collide";
import { useAssignments, useMe, usePeople, usePresence, useTeamConversation, useViewing } from "../team/useCollide";
import { blockedHosts, frameDocument, frameHeight, FRAME_SANDBOX, withImages, withInlineImages } from "./frame";

/** Starts a reply, reply-all or forward of one message. */
type OnCompose = (mode: ComposeMode, messageId: number) => void;

interface Props {
  threadId: number;
  onClose: () => void;
  onDelete: () => void;
  onCompose: OnCompose;
  /** Marks the conversation unread (and closes it). */
  onMarkUnread: () => void;
  /** Opens the label menu over the conversation. */
  onLabel: () => void;
  onError: (error: ApiError) => void;
  /** A short confirmation (e.g. where an attachment was saved). */
  onNotice: (text: string) => void;
}

/** Opening a conversation with unread messages marks it read, once (here and at Gmail). */
function useMarkReadOnOpen(threadId: number, messages: readonly MessageView[] | undefined, onError: (e: ApiError) => void) {
  const api = useApi();
  const queryClient = useQueryClient();
  const done = useRef(false);
  useEffect(() => {
    if (done.current || messages === undefined || !messages.some((m) => m.unread)) return;
    done.current = true;
    api
      .markConversations([threadId], true)
      .then(() => queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] !== "thread" }))
      .catch((e: unknown) => onError(toApiError(e)));
  }, [api, messages, onError, queryClient, threadId]);
}

/** What an attachment chip reports back. */
interface Reporters {
  onError: (error: ApiError) => void;
  onNotice: (text: string) => void;
}

/** One attachment: Save (a new file in the downloads folder) and Save as… (the OS's dialog). */
function AttachmentChip({ attachment, onError, onNotice }: { attachment: AttachmentInfo } & Reporters) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const save = async (ask: boolean) => {
    setBusy(true);
    try {
      const path = ask ? await api.saveAttachmentAs(attachment.id) : await api.saveAttachment(attachment.id);
      if (path !== null) onNotice(`Saved to ${path}`);
    } catch (e) {
      onError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="attachment" title={attachment.content_type} data-testid="attachment">
      <Paperclip size={12} aria-hidden="true" />
      <button
        type="button"
        className="link-button attachment-name"
        disabled={busy}
        aria-label={`Save ${attachment.name} to Downloads`}
        data-testid="attachment-save"
        onClick={() => void save(false)}
      >
        {attachment.name}
      </button>
      <span className="attachment-size">{formatSize(attachment.size)}</span>
      <button
        type="button"
        className="icon-button"
        disabled={busy}
        aria-label={`Save ${attachment.name} as…`}
        title="Save as…"
        onClick={() => void save(true)}
      >
        <Download size={12} aria-hidden="true" />
      </button>
    </li>
  );
}

interface ImagesBarProps {
  message: MessageView;
  loaded: boolean;
  loading: boolean;
  onLoad: () => void;
  onAlways: () => void;
}

function ImagesBar({ message, loaded, loading, onLoad, onAlways }: ImagesBarProps) {
  const [shown, setShown] = useState(false);
  const urls = message.remote_images;
  const hosts = blockedHosts(urls);
  return (
    <div className="images-bar" role="status" data-testid="remote-images-bar" data-loaded={loaded}>
      <ImageOff size={14} aria-hidden="true" />
      <span>
        {loaded
          ? "Remote images loaded."
          : `${urls.length === 1 ? "1 remote image blocked" : `${urls.length} remote images blocked`} to protect your privacy.`}
      </span>
      {!loaded ? (
        <button type="button" className="button small" disabled={loading} data-testid="load-images" onClick={onLoad}>
          {loading ? "Loading…" : "Load once"}
        </button>
      ) : null}
      {!message.images_allowed ? (
        <button type="button" className="button small" disabled={loading} data-testid="always-images" onClick={onAlways}>
          Always for {senderName(message.from)}
        </button>
      ) : null}
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

/** A message's remote images: fetched by core when the user asks, or at once for a trusted sender. */
function useRemoteImages(message: MessageView, reporters: Reporters) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [asked, setAsked] = useState(false);
  const wanted = message.remote_images.length > 0 && (asked || message.images_allowed);
  const images = useQuery({
    queryKey: ["remote-images", message.id],
    queryFn: () => api.loadRemoteImages(message.id),
    enabled: wanted,
    staleTime: Infinity,
  });
  const always = async () => {
    try {
      const address = await api.allowImagesFromSender(message.id);
      reporters.onNotice(`Images from ${address} will load without asking`);
      setAsked(true);
      await queryClient.invalidateQueries({ queryKey: ["thread"] });
    } catch (e) {
      reporters.onError(toApiError(e));
    }
  };
  return {
    images: images.data ?? null,
    loading: images.isFetching,
    load: () => setAsked(true),
    always: () => void always(),
  };
}

function MessageBody({ message, images }: { message: MessageView; images: readonly (string | null)[] | null }) {
  const api = useApi();
  if (message.html !== null) {
    const inline = withInlineImages(message.html, (cid) => api.inlineImageUrl(message.id, cid));
    return (
      <iframe
        className="message-frame"
        data-testid="message-frame"
        title={`Message from ${senderName(message.from)}`}
        sandbox={FRAME_SANDBOX}
        referrerPolicy="no-referrer"
        srcDoc={frameDocument(images === null ? inline : withImages(inline, images))}
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

function MessageActions({ message, onCompose }: { message: MessageView; onCompose: OnCompose }) {
  const others = message.to.length + message.cc.length > 1;
  return (
    <div className="message-actions" role="group" aria-label="Answer">
      <button type="button" className="button small" title="Reply (r)" onClick={() => onCompose("reply", message.id)}>
        <Reply size={14} aria-hidden="true" /> Reply
      </button>
      {others ? (
        <button type="button" className="button small" title="Reply all (a)" onClick={() => onCompose("reply_all", message.id)}>
          <ReplyAll size={14} aria-hidden="true" /> Reply all
        </button>
      ) : null}
      <button type="button" className="button small" title="Forward (f)" onClick={() => onCompose("forward", message.id)}>
        <Forward size={14} aria-hidden="true" /> Forward
      </button>
    </div>
  );
}

function MessageCard({
  message,
  initiallyOpen,
  onCompose,
  ...reporters
}: { message: MessageView; initiallyOpen: boolean; onCompose: OnCompose } & Reporters) {
  const [open, setOpen] = useState(initiallyOpen);
  const remote = useRemoteImages(message, reporters);
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
          {message.remote_images.length > 0 ? (
            <ImagesBar
              message={message}
              loaded={remote.images !== null}
              loading={remote.loading}
              onLoad={remote.load}
              onAlways={remote.always}
            />
          ) : null}
          <MessageBody message={message} images={remote.images} />
          {message.attachments.length > 0 ? (
            <ul className="attachments" aria-label="Attachments" data-testid="attachments">
              {message.attachments.map((a) => (
                <AttachmentChip key={a.id} attachment={a} {...reporters} />
              ))}
            </ul>
          ) : null}
          <MessageActions message={message} onCompose={onCompose} />
        </div>
      ) : null}
    </section>
  );
}

/** A shared conversation's assignees and who else is in it; nothing outside team mode. */
function TeamLine({ threadId }: { threadId: number }) {
  const conversation = useTeamConversation(threadId);
  useViewing(conversation);
  const presence = usePresence(conversation);
  const me = useMe();
  const people = usePeople();
  const assignees = useAssignments().get(threadId) ?? [];
  const lines = presenceLines(presence, me, people);
  if (conversation === null || (assignees.length === 0 && lines.length === 0)) return null;
  return (
    <div className="thread-team" data-testid="thread-team">
      {assignees.length > 0 ? (
        <span data-testid="thread-assignees">Assigned to {assigneeNames(assignees, people)}</span>
      ) : null}
      {lines.map((line) => (
        <span key={line} className="presence" role="status" data-testid="thread-presence">
          {line}
        </span>
      ))}
    </div>
  );
}

export function ThreadView({ threadId, onClose, onDelete, onCompose, onMarkUnread, onLabel, onError, onNotice }: Props) {
  const api = useApi();
  const thread = useQuery({ queryKey: ["thread", threadId], queryFn: () => api.thread(threadId) });
  useMarkReadOnOpen(threadId, thread.data?.messages, onError);
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
        <button type="button" className="icon-button" aria-label="Labels" title="Labels (l)" onClick={onLabel} data-testid="thread-labels">
          <Tag size={16} aria-hidden="true" />
        </button>
        <button type="button" className="icon-button" aria-label="Mark unread" title="Mark unread (Shift+U)" onClick={onMarkUnread}>
          <Mail size={16} aria-hidden="true" />
        </button>
        <button type="button" className="icon-button" aria-label="Delete conversation" title="Delete (#)" onClick={onDelete}>
          <Trash2 size={16} aria-hidden="true" />
        </button>
        <button type="button" className="icon-button" aria-label="Close conversation" title="Close (Esc)" onClick={onClose}>
          <X size={16} aria-hidden="true" />
        </button>
      </header>
      <TeamLine threadId={threadId} />
      <SecurePanel threadId={threadId} onError={onError} onNotice={onNotice} />
      {messages.map((m, i) => (
        <MessageCard
          key={m.id}
          message={m}
          initiallyOpen={i === messages.length - 1}
          onCompose={onCompose}
          onError={onError}
          onNotice={onNotice}
        />
      ))}
    </article>
  );
}
