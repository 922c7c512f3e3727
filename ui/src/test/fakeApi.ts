// Test stand-ins for the Tauri shell: a small mailbox (two inboxes, labels, conversations,
// threads) and a `HelprApi` serving it as core would (pages, filters, errors), shared by the
// component tests. Imported only by `*.test.tsx`, so it never reaches the bundle.
import type {
  ConversationPage,
  ConversationSummary,
  Draft,
  HelprApi,
  MessageSummary,
  MessageView,
  SearchPage,
  SidebarInbox,
  ThreadView,
} from "../api";
import type { SecureApi } from "../secure/api";
import type { TeamApi } from "../team/api";

export const inboxes: SidebarInbox[] = [
  {
    inbox_id: 1,
    address: "local",
    kind: "local",
    conversations: 2,
    unread: 1,
    health: null,
    labels: [],
  },
  {
    inbox_id: 2,
    address: "support@example.com",
    kind: "gmail",
    conversations: 1,
    unread: 0,
    health: {
      inbox_id: 2,
      address: "support@example.com",
      account: "connected",
      state: "full_sync",
      last_sync_at: null,
      last_error: null,
      done: 120,
      total: 4000,
      messages: 120,
      rejected: 0,
      outbox_pending: 0,
      outbox_error: null,
    },
    labels: [
      { label_id: 7, name: "INBOX", conversations: 1, unread: 0 },
      { label_id: 8, name: "UNREAD", conversations: 0, unread: 0 },
      { label_id: 9, name: "Invoices", conversations: 1, unread: 0 },
      { label_id: 10, name: "CATEGORY_UPDATES", conversations: 1, unread: 0 },
    ],
  },
];

/** Conversation `id` of `inbox`, newest first by id. */
export function conversation(id: number, subject: string, inbox = 1): ConversationSummary {
  return {
    thread_id: id,
    inbox_id: inbox,
    last_date: 1_700_000_000 - id,
    message_count: 1,
    unread_count: 0,
    has_attachments: false,
    latest_id: id,
    from: "Ada Lovelace <ada@example.com>",
    subject,
    snippet: `snippet ${id}`,
    labels: [],
  };
}

export const conversations: ConversationSummary[] = [
  {
    ...conversation(1, "Quarterly report"),
    message_count: 2,
    unread_count: 1,
    has_attachments: true,
    labels: ["INBOX", "Invoices"],
  },
  { ...conversation(2, ""), from: "Bob <bob@example.com>" },
  conversation(3, "Welcome to support", 2),
];

export const view: MessageView = {
  id: 11,
  date: 1_700_000_000,
  from: "Ada Lovelace <ada@example.com>",
  to: ["team@example.com"],
  cc: [],
  subject: "Quarterly report",
  text: "Hello team,\n  see the numbers.",
  html: null,
  remote_images: [],
  labels: ["INBOX"],
  attachments: [{ id: 10, name: "q3.pdf", content_type: "application/pdf", size: 2048 }],
  rejected: null,
  images_allowed: false,
  unread: false,
};

export const threads: Record<number, ThreadView> = {
  1: {
    thread_id: 1,
    subject: "Quarterly report",
    messages: [
      { ...view, id: 10, date: 1_699_000_000, text: "First draft.", attachments: [] },
      view,
    ],
  },
};

/** A search hit with the given id and subject. */
export function summary(id: number, subject: string): MessageSummary {
  return {
    id,
    thread_id: id,
    date: 1_700_000_000 - id,
    from: "Search Hit <hit@example.com>",
    subject,
    snippet: "",
    unread: false,
    has_attachments: false,
    kept: false,
  };
}

/** Core's paging over `all`, filtered by inbox (labels: conversations carrying its name). */
export function pagedConversations(all: readonly ConversationSummary[]) {
  return (query: { inbox: number | null; label: number | null; limit: number; offset: number }) => {
    const label = inboxes.flatMap((i) => i.labels).find((l) => l.label_id === query.label)?.name;
    const matching = all.filter(
      (c) =>
        (query.inbox === null || c.inbox_id === query.inbox) &&
        (label === undefined || c.labels.includes(label)),
    );
    return Promise.resolve<ConversationPage>({
      total: matching.length,
      conversations: matching.slice(query.offset, query.offset + query.limit),
    });
  };
}

/** A draft as core starts one: a reply to `replyTo` (to Ada), or an empty new message. */
export function emptyDraft(replyTo: number | null): Draft {
  return {
    id: null,
    from: replyTo === null ? null : "support@example.com",
    to: replyTo === null ? [] : ["Ada Lovelace <ada@example.com>"],
    cc: [],
    bcc: [],
    subject: replyTo === null ? "" : "Re: Quarterly report",
    body: replyTo === null ? "" : "\n\nOn Tue, Ada wrote:\n> Hello team,",
    reply_to: replyTo,
    attachments: [],
    updated_at: null,
  };
}

const unsupported = (what: string) => () => Promise.reject({ code: "internal", message: `${what}: not in this test` });

/** A stand-in shell over the mailbox above; a search matches nothing, and the settings calls
 * answer with a small vault, unless overridden. */
export function fakeApi(overrides: Partial<HelprApi> = {}): HelprApi {
  return {
    sidebar: () => Promise.resolve(inboxes),
    conversations: pagedConversations(conversations),
    thread: (id) =>
      threads[id] !== undefined
        ? Promise.resolve(threads[id])
        : Promise.reject({ code: "not_found", message: `conversation ${id} not found` }),
    getMessage: () => Promise.resolve(view),
    searchMessages: () => Promise.resolve<SearchPage>({ total: 0, hits: [] }),
    prepareSearch: () => Promise.resolve(),
    deleteConversations: (ids) => Promise.resolve({ ids, purge_after: 1_800_000_000, gmail_pending: 0 }),
    restoreConversations: (ids) => Promise.resolve({ restored: ids, gmail_pending: 0 }),
    restoreMessages: (ids) => Promise.resolve({ restored: ids, gmail_pending: 0 }),
    trash: () => Promise.resolve({ messages: [], inboxes: [] }),
    purgeMessages: (ids) => Promise.resolve({ purged: ids.length }),
    purgeExpired: () => Promise.resolve({ purged: 0 }),
    graceDays: () => Promise.resolve(60),
    setGraceDays: () => Promise.resolve(60),
    auditLog: () => Promise.resolve([]),
    auditVerify: () => Promise.resolve({ entries: 0, intact: true, problems: [] }),
    listKeys: () => Promise.resolve([{ version: 1, active: true, records: 12 }]),
    rotateKey: () => Promise.resolve(2),
    retireKey: unsupported("retireKey"),
    stopRetire: () => Promise.resolve(),
    doctor: unsupported("doctor"),
    about: () => Promise.resolve({ version: "0.1.0", data_dir: "/home/agent/.local/share/helpr", vault_id: "v-1" }),
    gmailSetup: () => Promise.resolve({ configured: true }),
    connectGmail: unsupported("connectGmail"),
    syncInboxes: () => Promise.resolve([]),
    resyncInbox: () => Promise.resolve(),
    disconnectInbox: () => Promise.resolve(),
    compose: (mode, of) => Promise.resolve(emptyDraft(mode === "new" ? null : of)),
    saveDraft: (d) => Promise.resolve({ ...d, id: d.id ?? 501, updated_at: 1_700_000_100 }),
    drafts: () => Promise.resolve([]),
    draft: unsupported("draft"),
    discardDraft: () => Promise.resolve(),
    sendDraft: () => Promise.resolve({ id: 900, thread_id: 1, message_id: "<sent@helpr>" }),
    saveAttachment: (id) => Promise.resolve(`/home/agent/Downloads/attachment-${id}`),
    saveAttachmentAs: () => Promise.resolve(null),
    loadRemoteImages: (id) => Promise.reject({ code: "internal", message: `images of ${id}: not in this test` }),
    allowImagesFromSender: () => Promise.resolve("ada@example.com"),
    markConversations: (ids) => Promise.resolve({ changed: ids, gmail_pending: 0 }),
    labelConversations: (ids) => Promise.resolve({ changed: ids, gmail_pending: 0 }),
    notificationSettings: () =>
      Promise.resolve({
        show_content: false,
        inboxes: inboxes.map((i) => ({ inbox_id: i.inbox_id, kind: i.kind, address: i.address, watched: false })),
      }),
    watchInbox: () => Promise.resolve(),
    showNotificationContent: () => Promise.resolve(),
    inlineImageUrl: (id, cid) => `helpr-cid://localhost/${encodeURIComponent(`${id}/${cid}`)}`,
    team: fakeTeamApi(),
    secure: fakeSecureApi(),
    ...overrides,
  };
}

/** A promise with its resolve and reject exposed, for answers a test releases on purpose. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A team stand-in: not signed in, every call unsupported, unless overridden. */
export function fakeTeamApi(overrides: Partial<TeamApi> = {}): TeamApi {
  return {
    status: () => Promise.resolve(null),
    probe: unsupported("team.probe"),
    signIn: unsupported("team.signIn"),
    signOut: unsupported("team.signOut"),
    watch: () => () => undefined,
    conversation: () => Promise.resolve(null),
    assignments: () => Promise.resolve([]),
    viewing: () => Promise.resolve(),
    composing: () => Promise.resolve(),
    users: () => Promise.resolve([]),
    createUser: unsupported("team.createUser"),
    changeUser: unsupported("team.changeUser"),
    removeUser: unsupported("team.removeUser"),
    teams: () => Promise.resolve([]),
    createTeam: unsupported("team.createTeam"),
    deleteTeam: unsupported("team.deleteTeam"),
    inboxes: () => Promise.resolve([]),
    createInbox: unsupported("team.createInbox"),
    deleteInbox: unsupported("team.deleteInbox"),
    setMember: unsupported("team.setMember"),
    removeMember: unsupported("team.removeMember"),
    ...overrides,
  };
}

/** A secure-email stand-in: no conversation has a protected thread, sync finds nothing, and
 *  revoke and unlock are unsupported, unless overridden. */
export function fakeSecureApi(overrides: Partial<SecureApi> = {}): SecureApi {
  return {
    status: () => Promise.resolve([]),
    sync: () => Promise.resolve({ threads: 0, stored: 0 }),
    revoke: unsupported("secure.revoke"),
    unlock: unsupported("secure.unlock"),
    ...overrides,
  };
}
