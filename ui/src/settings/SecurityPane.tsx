// Settings → Security: the vault and its keychain, the data-key versions with their record
// counts, rotate (a new active key, at once) and retire (re-seal an old version's records under
// the active key with a progress bar, stoppable, then delete it), and doctor's checks.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { KeyRound, ShieldCheck } from "lucide-react";
import { useState } from "react";
import { toApiError, type ApiError, type RetireProgress } from "../api";
import { useApi } from "../app/apiContext";

interface Props {
  onError: (error: ApiError) => void;
  onDone: (text: string) => void;
}

const count = new Intl.NumberFormat("en");

function Doctor({ onError }: Pick<Props, "onError">) {
  const api = useApi();
  const run = useMutation({ mutationFn: () => api.doctor(), onError: (e) => onError(toApiError(e)) });
  const report = run.data;
  const problems =
    report === undefined
      ? []
      : [
          ...report.vault.cipher_integrity_errors,
          ...report.vault.integrity_errors,
          ...report.vault.check_errors,
          ...report.vault.orphans,
          ...(report.index.error !== null ? [report.index.error] : []),
          ...(report.index.docs !== report.index.vault_messages
            ? [`the index holds ${report.index.docs} messages, the vault ${report.index.vault_messages}`]
            : []),
        ];
  return (
    <section className="card" aria-labelledby="doctor-title">
      <h3 id="doctor-title">Checks</h3>
      <p className="muted">Integrity of every encrypted page, orphaned rows, and the search index against the vault.</p>
      <button type="button" className="button" onClick={() => run.mutate()} disabled={run.isPending}>
        {run.isPending ? "Checking…" : "Run checks"}
      </button>
      {report !== undefined ? (
        <div className="doctor-result" role="status" data-testid="doctor-result">
          {problems.length === 0 ? (
            <p>
              <ShieldCheck size={14} aria-hidden="true" /> All checks passed: {count.format(report.vault.messages)} messages,{" "}
              {count.format(report.index.docs)} indexed, SQLCipher {report.vault.cipher_version}.
            </p>
          ) : (
            <ul className="problems">
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
    </section>
  );
}

export function SecurityPane({ onError, onDone }: Props) {
  const api = useApi();
  const client = useQueryClient();
  const keys = useQuery({ queryKey: ["keys"], queryFn: () => api.listKeys() });
  const [progress, setProgress] = useState<RetireProgress | null>(null);
  const rotate = useMutation({
    mutationFn: () => api.rotateKey(),
    onSuccess: (version) => {
      void client.invalidateQueries({ queryKey: ["keys"] });
      onDone(`Key version ${version} is now active`);
    },
    onError: (e) => onError(toApiError(e)),
  });
  const retire = useMutation({
    mutationFn: (version: number) => api.retireKey(version, setProgress),
    onSuccess: (outcome, version) => {
      setProgress(null);
      void client.invalidateQueries({ queryKey: ["keys"] });
      onDone(
        outcome.status === "retired"
          ? `Key version ${version} retired: ${count.format(outcome.resealed)} records re-sealed`
          : `Stopped: ${count.format(outcome.remaining)} records still under version ${version}; retire again to finish`,
      );
    },
    onError: (e) => {
      setProgress(null);
      onError(toApiError(e));
    },
  });
  return (
    <>
      <section className="card" aria-labelledby="vault-title">
        <h3 id="vault-title">Vault</h3>
        <p data-testid="vault-status">
          <KeyRound size={14} aria-hidden="true" /> Open. Its key-encryption key is in the system keychain; without it
          helpr opens nothing and deletes nothing.
        </p>
      </section>
      <section className="card" aria-labelledby="keys-title">
        <h3 id="keys-title">Data keys</h3>
        <p className="muted">
          New mail is sealed with the active version. Rotating makes a new one active at once; retiring an old one
          re-seals its records under the active key, then deletes it.
        </p>
        {keys.data !== undefined ? (
          <table className="table" data-testid="keys-table">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col" className="num">
                  Records
                </th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.version} data-testid="key-row">
                  <td>v{k.version}</td>
                  <td className="num">{count.format(k.records)}</td>
                  <td>{k.active ? "Active" : "Old"}</td>
                  <td>
                    {!k.active ? (
                      <button
                        type="button"
                        className="button small"
                        disabled={retire.isPending}
                        onClick={() => retire.mutate(k.version)}
                      >
                        Retire v{k.version}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {retire.isPending ? (
          <div className="progress-row" role="status" data-testid="retire-progress">
            <progress
              max={progress?.total ?? 1}
              value={progress?.done ?? 0}
              aria-label="Re-sealing records"
            />
            <span>
              {progress === null ? "Starting…" : `${count.format(progress.done)} / ${count.format(progress.total)}`}
            </span>
            <button type="button" className="button small" onClick={() => void api.stopRetire()}>
              Stop
            </button>
          </div>
        ) : null}
        <button type="button" className="button primary" onClick={() => rotate.mutate()} disabled={rotate.isPending}>
          Rotate key
        </button>
      </section>
      <Doctor onError={onError} />
    </>
  );
}
