// Settings → Team: signing this computer in to the team server and, for owners and admins,
// running the organization. Sign-in shows the certificate's fingerprint first, to compare with
// what the server printed (like SSH), then opens the server's sign-in page in the browser (its
// link shown too). Administration: users with their roles, teams, shared inboxes with their
// visibility and members; the server decides what each person may change and says so.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ExternalLink, LogOut, ShieldCheck } from "lucide-react";
import { useId, useState } from "react";
import { toApiError, type ApiError } from "../api";
import { useApi } from "../app/apiContext";
import type { MemberRole, OrgRole, SignInEvent, TeamStatus, Visibility } from "../team/api";
import { accessNote } from "../team/TeamSection";
import { TEAM_KEY, useTeamStatus } from "../team/useTeam";

interface Props {
  onError: (error: ApiError) => void;
  onDone: (text: string) => void;
}

function SignIn({ onError, onDone }: Props) {
  const api = useApi();
  const queryClient = useQueryClient();
  const id = useId();
  const [server, setServer] = useState("");
  const [fingerprint, setFingerprint] = useState<string | null | undefined>(undefined);
  const [page, setPage] = useState<SignInEvent | null>(null);
  const probe = useMutation({
    mutationFn: () => api.team.probe(server.trim()),
    onSuccess: setFingerprint,
    onError: (e) => onError(toApiError(e)),
  });
  const signIn = useMutation({
    mutationFn: () => api.team.signIn(server.trim(), fingerprint ?? null, setPage),
    onSuccess: (status) => {
      setPage(null);
      queryClient.setQueryData(TEAM_KEY, status);
      onDone(`Signed in to ${status.org.name}`);
    },
    onError: (e) => {
      setPage(null);
      onError(toApiError(e));
    },
  });
  return (
    <form
      className="connect-form"
      aria-label="Sign in to a team server"
      onSubmit={(e) => {
        e.preventDefault();
        if (fingerprint === undefined) probe.mutate();
        else signIn.mutate();
      }}
    >
      <p className="muted">
        Your team&apos;s helpr server decides which shared inboxes you see. Its administrator gives you its address.
      </p>
      <label htmlFor={`${id}-server`}>Server address</label>
      <input
        id={`${id}-server`}
        data-testid="team-server"
        value={server}
        placeholder="https://helpr.example.com:7443"
        onChange={(e) => {
          setServer(e.target.value);
          setFingerprint(undefined);
        }}
        required
      />
      {fingerprint !== undefined ? (
        <div className="fingerprint" role="status">
          {fingerprint === null ? (
            <p>This server is on this computer and speaks plain HTTP: there is no certificate to check.</p>
          ) : (
            <>
              <p>
                <ShieldCheck size={14} aria-hidden="true" /> The server presents the certificate with this SHA-256
                fingerprint. Compare it with the one <code>helpr-server</code> printed when it started; sign in only if
                they are the same.
              </p>
              <code className="fingerprint-value" data-testid="team-fingerprint">
                {fingerprint}
              </code>
            </>
          )}
        </div>
      ) : null}
      {signIn.isPending ? (
        <div role="status" className="consent" data-testid="team-signing-in">
          {page === null ? (
            "Starting the sign-in…"
          ) : (
            <>
              {page.opened ? "Finish signing in in your browser." : "Open this link in a browser to sign in."}{" "}
              <a href={page.url} target="_blank" rel="noreferrer" data-testid="team-sign-in-url">
                Sign-in page <ExternalLink size={12} aria-hidden="true" />
              </a>
            </>
          )}
        </div>
      ) : null}
      <div className="form-actions">
        {fingerprint === undefined ? (
          <button type="submit" className="button primary" data-testid="team-check" disabled={probe.isPending}>
            Check the certificate
          </button>
        ) : (
          <button type="submit" className="button primary" data-testid="team-trust" disabled={signIn.isPending}>
            {fingerprint === null ? "Sign in" : "Trust it and sign in"}
          </button>
        )}
      </div>
    </form>
  );
}

function Status({ status, onError, onDone }: Props & { status: TeamStatus }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const signOut = useMutation({
    mutationFn: () => api.team.signOut(),
    onSuccess: (report) => {
      void queryClient.invalidateQueries();
      onDone(`Signed out; ${report.purged_messages} shared messages removed from this computer`);
    },
    onError: (e) => onError(toApiError(e)),
  });
  return (
    <section aria-labelledby="team-signed-in">
      <h3 id="team-signed-in" data-testid="team-status">
        Signed in to {status.org.name} as {status.user.name} ({status.user.role})
      </h3>
      <dl className="facts">
        <dt>Server</dt>
        <dd>{status.server}</dd>
        {status.fingerprint !== null ? (
          <>
            <dt>Certificate</dt>
            <dd>
              <code>{status.fingerprint}</code>
            </dd>
          </>
        ) : null}
        <dt>Shared inboxes</dt>
        <dd>
          {status.inboxes.length === 0
            ? "none"
            : status.inboxes.map((i) => [i.name, accessNote(i)].filter((x) => x !== null).join(" — ")).join("; ")}
        </dd>
      </dl>
      <button type="button" className="button" data-testid="team-sign-out" onClick={() => signOut.mutate()}>
        <LogOut size={14} aria-hidden="true" /> Sign out
      </button>
    </section>
  );
}

const ORG_ROLES: OrgRole[] = ["owner", "admin", "agent"];
const MEMBER_ROLES: MemberRole[] = ["manager", "agent", "viewer"];
const VISIBILITIES: Visibility[] = ["organization", "team", "restricted"];

function Admin({ onError, onDone }: Props) {
  const api = useApi();
  const queryClient = useQueryClient();
  const id = useId();
  const users = useQuery({ queryKey: ["team-admin", "users"], queryFn: () => api.team.users() });
  const teams = useQuery({ queryKey: ["team-admin", "teams"], queryFn: () => api.team.teams() });
  const inboxes = useQuery({ queryKey: ["team-admin", "inboxes"], queryFn: () => api.team.inboxes() });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["team-admin"] });
  const act = useMutation({
    mutationFn: (f: () => Promise<unknown>) => f(),
    onSuccess: () => {
      refresh();
      void queryClient.invalidateQueries({ queryKey: TEAM_KEY });
      onDone("Saved");
    },
    onError: (e) => onError(toApiError(e)),
  });
  const [user, setUser] = useState({ name: "", email: "", role: "agent" as OrgRole, password: "" });
  const [team, setTeam] = useState("");
  const [inbox, setInbox] = useState({ name: "", visibility: "restricted" as Visibility });
  const [member, setMember] = useState<Record<number, { user: string; role: MemberRole; assigned_only: boolean }>>({});
  const nameOf = (uid: number) => users.data?.find((u) => u.id === uid)?.name ?? `user ${uid}`;
  return (
    <section aria-labelledby={`${id}-admin`} className="team-admin">
      <h3 id={`${id}-admin`}>Organization</h3>
      <h4>People</h4>
      <table className="table" data-testid="team-users">
        <thead>
          <tr>
            <th>Name</th>
            <th>Address</th>
            <th>Role</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(users.data ?? []).map((u) => (
            <tr key={u.id}>
              <td>{u.name}</td>
              <td>{u.email}</td>
              <td>
                <select
                  aria-label={`Role of ${u.name}`}
                  value={u.role}
                  onChange={(e) => act.mutate(() => api.team.changeUser(u.id, { role: e.target.value as OrgRole }))}
                >
                  {ORG_ROLES.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              </td>
              <td>
                <button type="button" className="link-button" onClick={() => act.mutate(() => api.team.removeUser(u.id))}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="inline-form"
        aria-label="Add a person"
        onSubmit={(e) => {
          e.preventDefault();
          act.mutate(() => api.team.createUser(user));
          setUser({ name: "", email: "", role: "agent", password: "" });
        }}
      >
        <input aria-label="Name" placeholder="Name" value={user.name} onChange={(e) => setUser({ ...user, name: e.target.value })} required />
        <input aria-label="Address" type="email" placeholder="Address" value={user.email} onChange={(e) => setUser({ ...user, email: e.target.value })} required />
        <select aria-label="Role" value={user.role} onChange={(e) => setUser({ ...user, role: e.target.value as OrgRole })}>
          {ORG_ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <input aria-label="First password" type="password" placeholder="First password (12+)" value={user.password} onChange={(e) => setUser({ ...user, password: e.target.value })} required minLength={12} />
        <button type="submit" className="button">Add</button>
      </form>

      <h4>Teams</h4>
      <ul className="plain-list" data-testid="team-teams">
        {(teams.data ?? []).map((t) => (
          <li key={t.id}>
            {t.name} ({t.members.map(nameOf).join(", ") || "no members"}){" "}
            <button type="button" className="link-button" onClick={() => act.mutate(() => api.team.deleteTeam(t.id))}>
              Delete
            </button>
          </li>
        ))}
      </ul>
      <form
        className="inline-form"
        aria-label="Create a team"
        onSubmit={(e) => {
          e.preventDefault();
          act.mutate(() => api.team.createTeam({ name: team, members: [] }));
          setTeam("");
        }}
      >
        <input aria-label="Team name" placeholder="Team name" value={team} onChange={(e) => setTeam(e.target.value)} required />
        <button type="submit" className="button">Create</button>
      </form>

      <h4>Shared inboxes</h4>
      {(inboxes.data ?? []).map((i) => {
        const draft = member[i.id] ?? { user: "", role: "agent" as MemberRole, assigned_only: false };
        return (
          <div key={i.id} className="team-inbox-admin" data-testid="team-admin-inbox">
            <p>
              <strong>{i.name}</strong> — {i.visibility}
              {i.assigned_only ? ", assigned only" : ""}
              {i.gmail_connected ? "" : ", no Gmail account connected"}{" "}
              <button type="button" className="link-button" onClick={() => act.mutate(() => api.team.deleteInbox(i.id))}>
                Delete
              </button>
            </p>
            <ul className="plain-list">
              {i.members.map((m) => (
                <li key={m.user}>
                  {nameOf(m.user)}: {m.role}
                  {m.assigned_only ? ", assigned only" : ""}{" "}
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => act.mutate(() => api.team.removeMember(i.id, m.user))}
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ul>
            <form
              className="inline-form"
              aria-label={`Add a member to ${i.name}`}
              onSubmit={(e) => {
                e.preventDefault();
                const uid = Number(draft.user);
                if (!Number.isInteger(uid) || uid <= 0) return;
                act.mutate(() => api.team.setMember(i.id, uid, { role: draft.role, assigned_only: draft.assigned_only }));
              }}
            >
              <select
                aria-label="Person"
                value={draft.user}
                onChange={(e) => setMember({ ...member, [i.id]: { ...draft, user: e.target.value } })}
              >
                <option value="">Person…</option>
                {(users.data ?? []).map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name}
                  </option>
                ))}
              </select>
              <select
                aria-label="Inbox role"
                value={draft.role}
                onChange={(e) => setMember({ ...member, [i.id]: { ...draft, role: e.target.value as MemberRole } })}
              >
                {MEMBER_ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
              <label>
                <input
                  type="checkbox"
                  checked={draft.assigned_only}
                  onChange={(e) => setMember({ ...member, [i.id]: { ...draft, assigned_only: e.target.checked } })}
                />{" "}
                assigned only
              </label>
              <button type="submit" className="button">Add member</button>
            </form>
          </div>
        );
      })}
      <form
        className="inline-form"
        aria-label="Create a shared inbox"
        onSubmit={(e) => {
          e.preventDefault();
          act.mutate(() => api.team.createInbox({ ...inbox, teams: [], assigned_only: false }));
          setInbox({ name: "", visibility: "restricted" });
        }}
      >
        <input aria-label="Inbox name" placeholder="Inbox name" value={inbox.name} onChange={(e) => setInbox({ ...inbox, name: e.target.value })} required />
        <select aria-label="Visibility" value={inbox.visibility} onChange={(e) => setInbox({ ...inbox, visibility: e.target.value as Visibility })}>
          {VISIBILITIES.filter((v) => v !== "team").map((v) => (
            <option key={v}>{v}</option>
          ))}
        </select>
        <button type="submit" className="button">Create inbox</button>
      </form>
    </section>
  );
}

export function TeamPane(props: Props) {
  const status = useTeamStatus();
  if (status.isPending) return <p className="muted">Loading…</p>;
  if (status.data === null || status.data === undefined) return <SignIn {...props} />;
  const runs = status.data.user.role === "owner" || status.data.user.role === "admin";
  return (
    <>
      <Status status={status.data} {...props} />
      {runs ? <Admin {...props} /> : null}
    </>
  );
}
