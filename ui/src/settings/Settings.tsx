// Settings: a full-window view with its own navigation (Inboxes, Team, Notifications, Security,
// Data, Audit log, About); the section is in the path (`/settings/security`), so Back works. Esc or the close
// button returns to the mail.
import { ArrowLeft } from "lucide-react";
import { useState } from "react";
import { NavLink, useNavigate, useParams } from "react-router";
import type { ApiError } from "../api";
import { ErrorBanner } from "../app/ErrorBanner";
import { Toast, type ToastMessage } from "../app/Toast";
import { AboutPane } from "./AboutPane";
import { AuditPane } from "./AuditPane";
import { DataPane } from "./DataPane";
import { InboxesPane } from "./InboxesPane";
import { NotificationsPane } from "./NotificationsPane";
import { SecurityPane } from "./SecurityPane";
import { TeamPane } from "./TeamPane";

export const SECTIONS = [
  { id: "inboxes", title: "Inboxes" },
  { id: "team", title: "Team" },
  { id: "notifications", title: "Notifications" },
  { id: "security", title: "Security" },
  { id: "data", title: "Data" },
  { id: "audit", title: "Audit log" },
  { id: "about", title: "About" },
] as const;

export type SectionId = (typeof SECTIONS)[number]["id"];

export function Settings() {
  const { section } = useParams();
  const navigate = useNavigate();
  const [error, setError] = useState<ApiError | null>(null);
  const [toast, setToast] = useState<ToastMessage | null>(null);
  const current = SECTIONS.find((s) => s.id === section) ?? SECTIONS.find((s) => s.id === "security") ?? SECTIONS[0];
  const done = (text: string) => setToast({ id: Date.now(), text });
  const pane = { onError: setError, onDone: done };
  return (
    <div
      className="settings"
      data-testid="settings"
      onKeyDown={(event) => {
        if (event.key === "Escape" && !event.defaultPrevented) void navigate("/");
      }}
    >
      <nav className="settings-nav" aria-label="Settings">
        <button type="button" className="link-button back" onClick={() => void navigate("/")}>
          <ArrowLeft size={14} aria-hidden="true" /> Back to mail
        </button>
        <h1>Settings</h1>
        <ul>
          {SECTIONS.map((s) => (
            <li key={s.id}>
              <NavLink className="nav-link" to={`/settings/${s.id}`}>
                {s.title}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main className="settings-main" aria-labelledby="settings-title">
        <h2 id="settings-title">{current.title}</h2>
        {error !== null ? <ErrorBanner error={error} onDismiss={() => setError(null)} /> : null}
        {current.id === "inboxes" ? <InboxesPane {...pane} /> : null}
        {current.id === "team" ? <TeamPane {...pane} /> : null}
        {current.id === "notifications" ? <NotificationsPane {...pane} /> : null}
        {current.id === "security" ? <SecurityPane {...pane} /> : null}
        {current.id === "data" ? <DataPane {...pane} /> : null}
        {current.id === "audit" ? <AuditPane {...pane} /> : null}
        {current.id === "about" ? <AboutPane /> : null}
      </main>
      {toast !== null ? <Toast toast={toast} onDone={() => setToast(null)} /> : null}
    </div>
  );
}
