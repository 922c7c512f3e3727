// Pure display formatting for dates, sizes and address lists. No DOM, no Tauri: unit-tested alone.

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function pad2(n: number): string {
  return n.toString().padStart(2, "0");
}

function isoDay(d: Date): string {
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

/**
 * Compact date for the message list, in local time: `14:05` today, `Mar 4` earlier this year,
 * `2023-03-04` before that. `now` is injectable so tests are deterministic.
 */
export function formatListDate(unixSeconds: number, now: Date = new Date()): string {
  const d = new Date(unixSeconds * 1000);
  if (Number.isNaN(d.getTime())) return "";
  if (isoDay(d) === isoDay(now)) return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  if (d.getFullYear() === now.getFullYear()) return `${MONTHS[d.getMonth()]} ${d.getDate()}`;
  return isoDay(d);
}

/** Full local date and time for the reader header: `2024-03-04 14:05`. */
export function formatFullDate(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  if (Number.isNaN(d.getTime())) return "";
  return `${isoDay(d)} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/**
 * Day, month and time for a status line, in local time: `3 Dec 14:02`, with the year when it is
 * not this one (`3 Dec 2025 14:02`). `now` is injectable so tests are deterministic.
 */
export function formatDayTime(unixSeconds: number, now: Date = new Date()): string {
  const d = new Date(unixSeconds * 1000);
  if (Number.isNaN(d.getTime())) return "";
  const year = d.getFullYear() === now.getFullYear() ? "" : ` ${d.getFullYear()}`;
  return `${d.getDate()} ${MONTHS[d.getMonth()]}${year} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** Attachment size in binary units: `512 B`, `1.5 KB`, `12 MB`. */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit === 0 || value >= 10 ? Math.round(value).toString() : value.toFixed(1);
  return `${shown} ${units[unit]}`;
}

/** Address list for a header line; empty lists render as nothing so the row can be hidden. */
export function formatAddresses(addresses: readonly string[]): string {
  return addresses.join(", ");
}

/** Subject as shown to the user; an empty subject gets a visible placeholder. */
export function displaySubject(subject: string): string {
  return subject.trim() === "" ? "(no subject)" : subject;
}
