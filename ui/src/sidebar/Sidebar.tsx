// The left pane: "All inboxes", then every inbox with its unread count, its health (syncing n/N
// with a progress bar, reconnect needed with the reason, offline) and its Gmail labels; then
// the team's shared inboxes open to the user (team mode); Trash, and Settings at the bottom.
import { useQuery } from "@tanstack/react-query";
import { AlertTriangle, Inbox, Layers, RefreshCw, Settings, Tag, Trash2, WifiOff } from "lucide-react";
import { NavLink } from "react-router";
import type { SidebarInbox } from "../api";
import type { TeamStatus } from "../team/api";
import { useApi } from "../app/apiContext";
import { listPath } from "../app/route";
import { TeamSection } from "../team/TeamSection";
import { useTeamStatus } from "../team/useTeam";
import { inboxTitle, labelName, labelOrder, summarize, type HealthSummary } from "./health";

/** How often the sidebar asks core again (sync progress and counts move while it runs). */
export const SIDEBAR_REFRESH_MS = 2_000;

export function useSidebar() {
  const api = useApi();
  return useQuery({
    queryKey: ["sidebar"],
    queryFn: () => api.sidebar(),
    refetchInterval: SIDEBAR_REFRESH_MS,
  });
}

export function Unread({ count }: { count: number }) {
  if (count === 0) return null;
  return (
    <span className="nav-count" aria-label={`${count} unread`}>
      {count}
    </span>
  );
}

function HealthLine({ health }: { health: HealthSummary }) {
  if (health.kind === "ok") return null;
  const Icon = health.kind === "offline" ? WifiOff : health.kind === "syncing" ? RefreshCw : AlertTriangle;
  return (
    <div className={`health health-${health.kind}`} data-testid="inbox-health" data-kind={health.kind}>
      <span className="health-label">
        <Icon size={12} aria-hidden="true" /> {health.label}
      </span>
      {health.progress !== null ? (
        <progress
          className="health-progress"
          max={1}
          value={health.progress}
          aria-label={health.label}
        />
      ) : null}
      {health.reason !== null ? <span className="health-reason">{health.reason}</span> : null}
    </div>
  );
}

function InboxEntry({ inbox }: { inbox: SidebarInbox }) {
  const labels = inbox.labels
    .map((l) => ({ ...l, shown: labelName(l.name) }))
    .filter((l): l is typeof l & { shown: string } => l.shown !== null)
    .sort((a, b) => labelOrder(a.name) - labelOrder(b.name) || a.shown.localeCompare(b.shown));
  const title = inboxTitle(inbox);
  return (
    <li className="nav-inbox" data-testid="sidebar-inbox">
      <NavLink className="nav-link" to={listPath({ inbox: inbox.inbox_id, label: null })} end>
        <Inbox size={14} aria-hidden="true" />
        <span className="nav-text" title={inbox.address}>
          {title}
        </span>
        <Unread count={inbox.unread} />
      </NavLink>
      <HealthLine health={summarize(inbox.health)} />
      {labels.length > 0 ? (
        <ul className="nav-labels" aria-label={`Labels of ${title}`}>
          {labels.map((l) => (
            <li key={l.label_id}>
              <NavLink
                className="nav-link nav-label"
                to={listPath({ inbox: inbox.inbox_id, label: l.label_id })}
              >
                <Tag size={12} aria-hidden="true" />
                <span className="nav-text">{l.shown}</span>
                <Unread count={l.unread} />
              </NavLink>
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

/** The vault's inboxes that hold a team server's shared inbox (listed in its section). */
export function sharedLocalInboxes(team: TeamStatus | null | undefined): Set<number> {
  return new Set((team?.inboxes ?? []).flatMap((e) => (e.local_inbox === null ? [] : [e.local_inbox])));
}

export function Sidebar() {
  const sidebar = useSidebar();
  const team = useTeamStatus();
  const shared = sharedLocalInboxes(team.data);
  const all = sidebar.data ?? [];
  const inboxes = all.filter((i) => !shared.has(i.inbox_id));
  const unread = all.reduce((sum, i) => sum + i.unread, 0);
  return (
    <nav className="sidebar" aria-label="Mailboxes">
      <div className="brand">helpr</div>
      <ul className="nav">
        <li>
          <NavLink className="nav-link" to="/" end>
            <Layers size={14} aria-hidden="true" />
            <span className="nav-text">All inboxes</span>
            <Unread count={unread} />
          </NavLink>
        </li>
        {sidebar.isPending
          ? [0, 1].map((i) => <li key={i} className="nav-skeleton" aria-hidden="true" />)
          : inboxes.map((inbox) => <InboxEntry key={inbox.inbox_id} inbox={inbox} />)}
        <TeamSection />
        <li className="nav-gap">
          <NavLink className="nav-link" to="/trash">
            <Trash2 size={14} aria-hidden="true" />
            <span className="nav-text">Trash</span>
          </NavLink>
        </li>
      </ul>
      <NavLink className="nav-link nav-settings" to="/settings/security">
        <Settings size={14} aria-hidden="true" />
        <span className="nav-text">Settings</span>
      </NavLink>
    </nav>
  );
}
