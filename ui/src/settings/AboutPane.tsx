// Settings → About: the theme, the version, where the vault lives, and the licences.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useApi } from "../app/apiContext";
import { setTheme, storedTheme, type Theme } from "../app/theme";

const THEMES: readonly { theme: Theme; label: string }[] = [
  { theme: "system", label: "Follow the system" },
  { theme: "light", label: "Light" },
  { theme: "dark", label: "Dark" },
];

function Appearance() {
  const [theme, choose] = useState<Theme>(storedTheme);
  return (
    <fieldset className="card appearance">
      <legend>Theme</legend>
      {THEMES.map((t) => (
        <label key={t.theme}>
          <input
            type="radio"
            name="theme"
            value={t.theme}
            checked={theme === t.theme}
            onChange={() => {
              setTheme(t.theme);
              choose(t.theme);
            }}
          />{" "}
          {t.label}
        </label>
      ))}
    </fieldset>
  );
}

export function AboutPane() {
  const api = useApi();
  const about = useQuery({ queryKey: ["about"], queryFn: () => api.about() });
  if (about.data === undefined) return <p className="empty">Loading…</p>;
  return (
    <>
    <Appearance />
    <dl className="about" data-testid="about">
      <dt>Version</dt>
      <dd>helpr {about.data.version}</dd>
      <dt>Data directory</dt>
      <dd>
        <code>{about.data.data_dir}</code>
      </dd>
      <dt>Vault</dt>
      <dd>
        <code>{about.data.vault_id}</code> (its key is the keychain entry “helpr / vault-{about.data.vault_id}”)
      </dd>
      <dt>Licences</dt>
      <dd>
        helpr is free software. It is built on SQLCipher (BSD), tantivy (MIT), ammonia (MIT/Apache-2.0), Tauri
        (MIT/Apache-2.0), React (MIT), TanStack (MIT) and lucide (ISC), among others; each keeps its own licence.
      </dd>
    </dl>
    </>
  );
}
