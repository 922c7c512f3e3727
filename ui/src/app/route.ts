// Where the app is, as a URL: the list shown (all inboxes, one inbox, one label of an inbox) in
// the path, the search query (`q`) and the open conversation (`t`) in the query string, so the
// history's Back and Forward move between them. Pure: no DOM, no router.

/** The conversation list the path selects. */
export interface ListRoute {
  inbox: number | null;
  label: number | null;
}

export const ALL_INBOXES: ListRoute = { inbox: null, label: null };

/** `/`, `/inbox/3` or `/inbox/3/label/7`. A label without its inbox has no path of its own. */
export function listPath(route: ListRoute): string {
  if (route.inbox === null) return "/";
  if (route.label === null) return `/inbox/${route.inbox}`;
  return `/inbox/${route.inbox}/label/${route.label}`;
}

/** A path parameter as a positive id; anything else (missing, `abc`, `-1`, `1e3`) is null. */
export function parseId(value: string | null | undefined): number | null {
  if (value === null || value === undefined || !/^[1-9][0-9]{0,15}$/.test(value)) return null;
  return Number(value);
}

/** The route of path parameters `inboxId` and `labelId`. */
export function routeOf(params: { inboxId?: string | undefined; labelId?: string | undefined }): ListRoute {
  const inbox = parseId(params.inboxId);
  return { inbox, label: inbox === null ? null : parseId(params.labelId) };
}

/** The query string after setting (or, with null/empty, removing) `key`. */
export function withParam(search: URLSearchParams, key: string, value: string | null): URLSearchParams {
  const next = new URLSearchParams(search);
  if (value === null || value === "") next.delete(key);
  else next.set(key, value);
  return next;
}
