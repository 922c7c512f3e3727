// The sidebar's team section: exactly the shared inboxes the server opens to the user, with
// how (viewer, assigned only, by override); a lost one leaves at once. Inboxes whose mail has
// not reached this computer yet are listed without a link.
import { Eye, Users } from "lucide-react";
import { NavLink } from "react-router";
import { listPath } from "../app/route";
import { Unread, useSidebar } from "../sidebar/Sidebar";
import type { TeamInboxEntry } from "./api";
import { useTeamStatus } from "./useTeam";

/** What sets the user's access apart from answering every conversation. */
export function accessNote(entry: TeamInboxEntry): string | null {
  const notes: string[] = [];
  if (entry.access.role === "viewer") notes.push("view only");
  if (entry.access.assigned_only) notes.push("assigned to you");
  if (entry.access.via === "override") notes.push("admin override");
  return notes.length === 0 ? null : notes.join(", ");
}

function Entry({ entry, unread }: { entry: TeamInboxEntry; unread: number }) {
  const note = accessNote(entry);
  const body = (
    <>
      {entry.access.role === "viewer" ? <Eye size={14} aria-hidden="true" /> : <Users size={14} aria-hidden="true" />}
      <span className="nav-text">{entry.name}</span>
      {note !== null ? <span className="nav-note">{note}</span> : null}
      <Unread count={unread} />
    </>
  );
  return (
    <li className="nav-inbox" data-testid="team-inbox" data-inbox-id={entry.id}>
      {entry.local_inbox !== null ? (
        <NavLink className="nav-link" to={listPath({ inbox: entry.local_inbox, label: null })} end>
          {body}
        </NavLink>
      ) : (
        <span className="nav-link nav-pending" title="Its mail has not reached this computer yet">
          {body}
        </span>
      )}
    </li>
  );
}

export function TeamSection() {
  const status = useTeamStatus();
  const sidebar = useSidebar();
  const unreadOf = (local: number | null) => sidebar.data?.find((i) => i.inbox_id === local)?.unread ?? 0;
  if (status.data === null || status.data === undefined) return null;
  const team = status.data;
  return (
    <li className="nav-team" data-testid="team-section">
      <div className="nav-heading">{team.org.name}</div>
      {team.inboxes.length === 0 ? (
        <p className="nav-empty muted">No shared inbox is open to you.</p>
      ) : (
        <ul className="nav" aria-label={`Shared inboxes of ${team.org.name}`}>
          {team.inboxes.map((entry) => (
            <Entry key={entry.id} entry={entry} unread={unreadOf(entry.local_inbox)} />
          ))}
        </ul>
      )}
    </li>
  );
}
