// The composer's secure-email row, shown while "Send securely" is on: how long the link lives and
// how often each reader may open it, or, replying in a conversation that already has a protected
// thread, that the answer goes into that thread (whose expiry and opens were set when it began);
// and one line on what the readers get.
import { Lock } from "lucide-react";
import { useId } from "react";
import type { SecureChoice } from "../secure/api";
import { daysLabel, expiryChoices, opensChoices, opensLabel } from "../secure/secure";

export const SECURE_EXPLANATION =
  "Readers get a link and confirm their address with a code; the message and attachments stay encrypted.";

interface Props {
  choice: SecureChoice;
  /** The answer goes into the conversation's protected thread. */
  answering: boolean;
  onChange: (choice: SecureChoice) => void;
}

export function SecureRow({ choice, answering, onChange }: Props) {
  const id = useId();
  const days = choice.expires_in_days ?? 28;
  return (
    <div className="secure-row" role="group" aria-label="Secure email" data-testid="compose-secure-options">
      <Lock size={14} aria-hidden="true" />
      {answering ? (
        <strong data-testid="compose-secure-thread">Answer in the secure thread</strong>
      ) : (
        <>
          <label htmlFor={`${id}-expiry`}>Expires after</label>
          <select
            id={`${id}-expiry`}
            data-testid="compose-secure-expiry"
            value={days}
            onChange={(e) => onChange({ ...choice, expires_in_days: Number(e.target.value) })}
          >
            {expiryChoices(choice.expires_in_days).map((d) => (
              <option key={d} value={d}>
                {daysLabel(d)}
              </option>
            ))}
          </select>
          <label htmlFor={`${id}-opens`}>Opens</label>
          <select
            id={`${id}-opens`}
            data-testid="compose-secure-opens"
            value={choice.max_opens ?? ""}
            onChange={(e) => onChange({ ...choice, max_opens: e.target.value === "" ? null : Number(e.target.value) })}
          >
            {opensChoices(choice.max_opens).map((o) => (
              <option key={o ?? "none"} value={o ?? ""}>
                {opensLabel(o)}
              </option>
            ))}
          </select>
        </>
      )}
      <span className="secure-note">{SECURE_EXPLANATION}</span>
    </div>
  );
}
