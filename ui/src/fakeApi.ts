// Test stand-ins for the Tauri shell: fixed messages and a `HelprApi` built from them, shared by
// the component tests. Imported only by `*.test.tsx`, so it never reaches the bundle.
import type { HelprApi, MessageSummary, MessageView, SearchPage } from "./api";

export const summaries: MessageSummary[] = [
  {
    id: 1,
    thread_id: 1,
    date: 1_700_000_000,
    from: "Ada <ada@example.com>",
    subject: "Quarterly report",
    snippet: "Numbers attached",
    unread: true,
    has_attachments: true,
    kept: false,
  },
  {
    id: 2,
    thread_id: 2,
    date: 1_690_000_000,
    from: "Bob <bob@example.com>",
    subject: "",
    snippet: "",
    unread: false,
    has_attachments: false,
    kept: false,
  },
];

export const view: MessageView = {
  id: 1,
  date: 1_700_000_000,
  from: "Ada <ada@example.com>",
  to: ["team@example.com"],
  cc: [],
  subject: "Quarterly report",
  text: "Hello team,\n  see the numbers.",
  html: null,
  labels: ["INBOX"],
  attachments: [{ id: 10, name: "q3.pdf", content_type: "application/pdf", size: 2048 }],
  rejected: null,
};

/** A list row with the given id and subject (search pages in tests). */
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

/** A stand-in shell over `summaries` and `view`; a search matches nothing unless overridden. */
export function fakeApi(overrides: Partial<HelprApi> = {}): HelprApi {
  return {
    listMessages: () => Promise.resolve(summaries),
    getMessage: (id) =>
      id === 1
        ? Promise.resolve(view)
        : Promise.reject({ code: "not_found", message: `message ${id} not found` }),
    searchMessages: () => Promise.resolve<SearchPage>({ total: 0, hits: [] }),
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
