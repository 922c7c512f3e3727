// Settings → Data: the grace period (how long deleted mail stays restorable, 1–365 days), and
// the trash with restore and purge.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { toApiError, type ApiError } from "../api";
import { useApi } from "../app/apiContext";
import { TrashView } from "../trash/TrashView";

interface Props {
  onError: (error: ApiError) => void;
  onDone: (text: string) => void;
}

/** Why `text` is not a valid grace period, or null when it is. */
export function graceProblem(text: string): string | null {
  if (!/^\d+$/.test(text.trim())) return "Enter a whole number of days.";
  const days = Number(text);
  if (days < 1 || days > 365) return "The grace period is 1 to 365 days.";
  return null;
}

function Grace({ onError, onDone }: Props) {
  const api = useApi();
  const client = useQueryClient();
  const grace = useQuery({ queryKey: ["grace"], queryFn: () => api.graceDays() });
  const [draft, setDraft] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (days: number) => api.setGraceDays(days),
    onSuccess: (_old, days) => {
      setDraft(null);
      void client.invalidateQueries({ queryKey: ["grace"] });
      void client.invalidateQueries({ queryKey: ["trash"] });
      onDone(`Deleted mail now stays restorable for ${days} days`);
    },
    onError: (e) => onError(toApiError(e)),
  });
  const value = draft ?? (grace.data !== undefined ? String(grace.data) : "");
  const problem = draft === null ? null : graceProblem(draft);
  return (
    <section className="card" aria-labelledby="grace-title">
      <h3 id="grace-title">Grace period</h3>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (draft !== null && problem === null) save.mutate(Number(draft));
        }}
      >
        <label htmlFor="grace-days">Deleted mail stays restorable for</label>
        <input
          id="grace-days"
          className="number-input"
          inputMode="numeric"
          value={value}
          aria-invalid={problem !== null}
          aria-describedby="grace-help"
          onChange={(event) => setDraft(event.target.value)}
        />
        <span>days</span>
        <button type="submit" className="button" disabled={draft === null || problem !== null || save.isPending}>
          Save
        </button>
      </form>
      <p id="grace-help" className={problem !== null ? "field-error" : "muted"}>
        {problem ?? "Then it is purged for good: its encrypted rows are overwritten, not only unlinked."}
      </p>
    </section>
  );
}

export function DataPane(props: Props) {
  return (
    <>
      <Grace {...props} />
      <section className="card" aria-labelledby="trash-title">
        <h3 id="trash-title">Trash</h3>
        <TrashView {...props} />
      </section>
    </>
  );
}
