// The composer: a new message, or a reply, reply-all or forward docked under the conversation.
// Core starts the draft (recipients, subject, quote; a saved reply resumes); every change is
// sealed into the vault shortly after typing pauses, one save at a time, so a crash loses no
// draft. Ctrl+Enter sends through core (SMTP); Esc saves and closes; Discard deletes the draft.
// A reply in a shared inbox tells the team the user is writing while it is open, and sending
// asks first when another agent is writing a reply too or a message arrived since it opened.
// From a shared team inbox the draft may go as secure email (the lock toggle, Ctrl+Shift+L):
// expiry and opens are saved with the draft, Bcc is refused, and a reply in a conversation that
// has a protected thread starts secure and answers into that thread.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Lock, Paperclip, Send, Trash2, X } from "lucide-react";
import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import {
  toApiError,
  type ApiError,
  type ComposeMode,
  type Draft,
  type DraftAttachment,
  type SentView,
  type ThreadView,
} from "../api";
import { useApi } from "../app/apiContext";
import { formatSize } from "../format";
import type { SecureChoice } from "../secure/api";
import { DEFAULT_SECURE } from "../secure/secure";
import { useSecureOffer, useSecureStatus } from "../secure/useSecure";
import { useSidebar } from "../sidebar/Sidebar";
import { newestMessage, NOBODY, presenceKey, sendQuestion, type Presence } from "../team/collide";
import { useComposing, useMe, usePeople, useTeamConversation } from "../team/useCollide";
import { useTeamStatus } from "../team/useTeam";
import { attachmentSize, composeTitle, fileToAttachment, fromInboxInView, joinAddresses, sendBlocker, splitAddresses } from "./compose";
import { SecureRow } from "./SecureRow";

/** How long typing must pause before the draft is saved. */
export const AUTOSAVE_MS = 600;

interface Props {
  mode: ComposeMode;
  /** The message answered or forwarded; null for a new message. */
  of: number | null;
  /** The conversation answered (replies), for collision detection; null otherwise. */
  threadId?: number | null;
  /** The inbox in view when a new message is started: it is sent from there (a shared inbox
   *  then offers Send securely); null or absent: core's default account. */
  inboxInView?: number | null;
  onClose: () => void;
  onSent: (sent: SentView) => void;
  onError: (error: ApiError) => void;
}

/** Whether a mode answers a conversation (and so may answer into its protected thread). */
function replying(mode: ComposeMode): boolean {
  return mode === "reply" || mode === "reply_all";
}

export function Compose(props: Props) {
  const api = useApi();
  const start = useQuery({
    queryKey: ["compose", props.mode, props.of],
    queryFn: () => api.compose(props.mode, props.of),
    staleTime: Infinity,
    gcTime: 0,
  });
  // Whether secure email is offered, and whether a reply starts secure, is known before the
  // form opens (the vault answers; these are usually cached already).
  const answers = replying(props.mode) ? (props.threadId ?? null) : null;
  const secured = useSecureStatus(answers);
  const team = useTeamStatus();
  const sidebar = useSidebar();
  const waiting = (answers !== null && secured.isPending) || team.isPending || sidebar.isPending;
  if (start.isPending || waiting) return <div className="compose" aria-busy="true" aria-label="Opening the draft" />;
  if (start.isError) {
    const e = toApiError(start.error);
    return (
      <div className="compose" role="alert">
        <p>The draft could not be started: {e.message}</p>
        <button type="button" className="button small" onClick={props.onClose}>
          Close
        </button>
      </div>
    );
  }
  const protectedThread = start.data.reply_to !== null && (secured.data?.length ?? 0) > 0;
  const initial = fromInboxInView(start.data, props.mode, props.inboxInView ?? null, sidebar.data ?? []);
  return <ComposeForm {...props} initial={initial} protectedThread={protectedThread} />;
}

type SaveState = "clean" | "dirty" | "saving" | "saved" | "failed";

/** Collision detection for a reply in a shared inbox: tells the team the user writes while the
 *  composer is open, notes the conversation's newest message now, and answers what sending
 *  should ask first (a fresh look at the conversation; null to send at once). */
function useCollision(mode: ComposeMode, threadId: number | null) {
  const api = useApi();
  const queryClient = useQueryClient();
  const replying = mode === "reply" || mode === "reply_all";
  const conversation = useTeamConversation(replying ? threadId : null);
  useComposing(conversation);
  const me = useMe();
  const people = usePeople();
  const [atOpen] = useState(() =>
    threadId === null ? null : newestMessage(queryClient.getQueryData<ThreadView>(["thread", threadId])?.messages),
  );
  return async (): Promise<string | null> => {
    if (conversation === null || threadId === null) return null;
    const now = await queryClient
      .fetchQuery({ queryKey: ["thread", threadId], queryFn: () => api.thread(threadId), staleTime: 0 })
      .then((t) => newestMessage(t.messages))
      .catch(() => null);
    // The presence as it is now, not as of the last render.
    const presence = queryClient.getQueryData<Presence>(presenceKey(conversation)) ?? NOBODY;
    return sendQuestion(presence, me, people, atOpen, now);
  };
}

interface FormProps extends Props {
  initial: Draft;
  /** It answers a conversation that has a protected thread. */
  protectedThread: boolean;
}

function ComposeForm({ mode, threadId = null, initial, protectedThread, onClose, onSent, onError }: FormProps) {
  const api = useApi();
  const offered = useSecureOffer(initial.from);
  // A saved draft keeps its choice; a new answer in a secured conversation starts secure.
  const [secure, setSecure] = useState<SecureChoice | null>(
    () => initial.secure ?? (initial.id === null && protectedThread && offered ? DEFAULT_SECURE : null),
  );
  // Shown while on even when no longer offered (signed out): never sent in the clear unasked.
  const secureShown = offered || secure !== null;
  const askFirst = useCollision(mode, threadId);
  const [question, setQuestion] = useState<string | null>(null);
  const id = useId();
  const [to, setTo] = useState(joinAddresses(initial.to));
  const [cc, setCc] = useState(joinAddresses(initial.cc));
  const [bcc, setBcc] = useState(joinAddresses(initial.bcc));
  const [showCopies, setShowCopies] = useState(initial.cc.length + initial.bcc.length > 0);
  const [subject, setSubject] = useState(initial.subject);
  const [body, setBody] = useState(initial.body);
  const [attachments, setAttachments] = useState<DraftAttachment[]>(initial.attachments);
  const [state, setState] = useState<SaveState>(initial.id === null ? "clean" : "saved");
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const draftId = useRef<number | null>(initial.id);
  const chain = useRef<Promise<unknown>>(Promise.resolve());
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const toRef = useRef<HTMLInputElement>(null);

  const current = useCallback(
    (): Draft => ({
      ...initial,
      id: draftId.current,
      to: splitAddresses(to),
      cc: splitAddresses(cc),
      bcc: splitAddresses(bcc),
      subject,
      body,
      attachments,
      secure,
    }),
    [initial, to, cc, bcc, subject, body, attachments, secure],
  );

  /** Queues a save of what is in the form now; saves run one after another. */
  const save = useCallback(() => {
    const draft = current();
    setState("saving");
    const next = chain.current.then(async () => {
      try {
        const saved = await api.saveDraft({ ...draft, id: draftId.current });
        draftId.current = saved.id;
        setState((s) => (s === "saving" ? "saved" : s));
      } catch (e) {
        setState("failed");
        onError(toApiError(e));
      }
    });
    chain.current = next;
    return next;
  }, [api, current, onError]);

  // Autosave once typing pauses.
  useEffect(() => {
    if (state !== "dirty") return;
    const timer = setTimeout(() => void save(), AUTOSAVE_MS);
    return () => clearTimeout(timer);
  }, [state, save]);

  // A reply starts in the body (above the quote); anything else in To when it is empty.
  useEffect(() => {
    if (initial.to.length === 0) toRef.current?.focus();
    else {
      bodyRef.current?.focus();
      bodyRef.current?.setSelectionRange(0, 0);
    }
  }, [initial.to.length]);

  const edit =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v);
      setProblem(null);
      setState("dirty");
    };

  const send = async (confirmed = false) => {
    const draft = current();
    const blocker = sendBlocker(draft);
    if (blocker !== null) {
      setProblem(blocker);
      return;
    }
    setQuestion(null);
    setSending(true);
    if (!confirmed) {
      const ask = await askFirst();
      if (ask !== null) {
        setQuestion(ask);
        setSending(false);
        return;
      }
    }
    try {
      await chain.current;
      onSent(await api.sendDraft({ ...draft, id: draftId.current }));
    } catch (e) {
      onError(toApiError(e));
      setSending(false);
    }
  };

  const close = async () => {
    if (state === "dirty") await save();
    else await chain.current;
    onClose();
  };

  const discard = async () => {
    await chain.current;
    if (draftId.current !== null) {
      try {
        await api.discardDraft(draftId.current);
      } catch (e) {
        onError(toApiError(e));
        return;
      }
    }
    onClose();
  };

  const attach = async (files: FileList | null) => {
    if (files === null) return;
    const added = await Promise.all([...files].map(fileToAttachment));
    edit(setAttachments)([...attachments, ...added]);
  };

  const toggleSecure = () => edit(setSecure)(secure === null ? DEFAULT_SECURE : null);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void send();
    } else if (secureShown && event.shiftKey && (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "l") {
      event.preventDefault();
      toggleSecure();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      void close();
    }
  };

  const title = composeTitle(mode);
  const status =
    state === "saving" ? "Saving…" : state === "saved" ? "Draft saved" : state === "failed" ? "Not saved" : "";
  return (
    <form
      className="compose"
      aria-label={title}
      data-testid="compose"
      onKeyDown={onKeyDown}
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <header className="compose-head">
        <h2>{title}</h2>
        <span className="compose-status muted" role="status" data-testid="draft-status" data-state={state}>
          {status}
        </span>
        <button type="button" className="icon-button" aria-label="Close (the draft is kept)" title="Close (Esc)" onClick={() => void close()}>
          <X size={16} aria-hidden="true" />
        </button>
      </header>
      {initial.from !== null ? (
        <div className="compose-row muted">
          <span className="compose-label">From</span>
          <span>{initial.from}</span>
        </div>
      ) : null}
      <div className="compose-row">
        <label className="compose-label" htmlFor={`${id}-to`}>
          To
        </label>
        <input id={`${id}-to`} ref={toRef} data-testid="compose-to" value={to} onChange={(e) => edit(setTo)(e.target.value)} autoComplete="off" />
        {!showCopies ? (
          <button type="button" className="link-button" onClick={() => setShowCopies(true)}>
            {secure === null ? "Cc / Bcc" : "Cc"}
          </button>
        ) : null}
      </div>
      {showCopies ? (
        <>
          <div className="compose-row">
            <label className="compose-label" htmlFor={`${id}-cc`}>
              Cc
            </label>
            <input id={`${id}-cc`} data-testid="compose-cc" value={cc} onChange={(e) => edit(setCc)(e.target.value)} autoComplete="off" />
          </div>
          {/* A secure message names its readers: Bcc only shows to be emptied. */}
          {secure === null || bcc.trim() !== "" ? (
            <div className="compose-row">
              <label className="compose-label" htmlFor={`${id}-bcc`}>
                Bcc
              </label>
              <input id={`${id}-bcc`} data-testid="compose-bcc" value={bcc} onChange={(e) => edit(setBcc)(e.target.value)} autoComplete="off" />
            </div>
          ) : null}
        </>
      ) : null}
      <div className="compose-row">
        <label className="compose-label" htmlFor={`${id}-subject`}>
          Subject
        </label>
        <input id={`${id}-subject`} data-testid="compose-subject" value={subject} onChange={(e) => edit(setSubject)(e.target.value)} />
      </div>
      <label className="visually-hidden" htmlFor={`${id}-body`}>
        Message
      </label>
      <textarea
        id={`${id}-body`}
        ref={bodyRef}
        className="compose-body"
        data-testid="compose-body"
        value={body}
        onChange={(e) => edit(setBody)(e.target.value)}
      />
      {attachments.length > 0 ? (
        <ul className="attachments" aria-label="Attachments">
          {attachments.map((a, i) => (
            <li key={`${a.name}-${i}`} className="attachment">
              <Paperclip size={12} aria-hidden="true" />
              <span className="attachment-name">{a.name}</span>
              <span className="attachment-size">{formatSize(attachmentSize(a))}</span>
              <button
                type="button"
                className="icon-button"
                aria-label={`Remove ${a.name}`}
                onClick={() => edit(setAttachments)(attachments.filter((_, j) => j !== i))}
              >
                <X size={12} aria-hidden="true" />
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {secure !== null ? <SecureRow choice={secure} answering={protectedThread} onChange={edit(setSecure)} /> : null}
      {problem !== null ? (
        <p className="compose-problem" role="alert">
          {problem}
        </p>
      ) : null}
      {question !== null ? (
        <div className="send-question" role="alertdialog" aria-label="Send anyway?" data-testid="send-question">
          <span>{question}</span>
          <button type="button" className="button small primary" data-testid="send-anyway" onClick={() => void send(true)}>
            Send anyway
          </button>
          <button type="button" className="button small" autoFocus onClick={() => setQuestion(null)}>
            Don&apos;t send
          </button>
        </div>
      ) : null}
      <footer className="compose-actions">
        <button type="submit" className="button primary" disabled={sending} data-testid="compose-send" title="Send (Ctrl+Enter)">
          {secure !== null ? <Lock size={14} aria-hidden="true" /> : <Send size={14} aria-hidden="true" />}
          {sending ? "Sending…" : secure !== null ? "Send securely" : "Send"}
        </button>
        <label className="button">
          <Paperclip size={14} aria-hidden="true" />
          Attach
          <input type="file" multiple className="visually-hidden" onChange={(e) => void attach(e.target.files)} />
        </label>
        {secureShown ? (
          <button
            type="button"
            className="button secure-toggle"
            aria-pressed={secure !== null}
            data-testid="compose-secure"
            title="Send securely: on / off (Ctrl+Shift+L)"
            onClick={toggleSecure}
          >
            <Lock size={14} aria-hidden="true" />
            Secure
          </button>
        ) : null}
        <button type="button" className="icon-button" aria-label="Discard draft" title="Discard draft" onClick={() => void discard()}>
          <Trash2 size={16} aria-hidden="true" />
        </button>
      </footer>
    </form>
  );
}
