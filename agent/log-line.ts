/**
 * One line of the shim's log file: `2026-12-04T10:04:20.253Z scion-agent info: message`.
 *
 * The time is formatted from the UTC fields rather than with Date.prototype.toISOString: V8's
 * toISOString looks up the host's time zone on its first call in a process (it loads ICU's zone
 * data and names, about 1 ms of CPU on a 2-core VM), and a shim's first log line is often the
 * one it writes when reset-auth-all wakes it together with hundreds of others. Hooks, one process
 * per tool call, log through here too.
 */
export function logLine(level: "info" | "warn", message: string, at: Date = new Date()): string {
  return `${utcTimestamp(at)} scion-agent ${level}: ${message}\n`;
}

/** The same text as `at.toISOString()` for years 0–9999, without the time-zone lookup. */
export function utcTimestamp(at: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return (
    `${pad(at.getUTCFullYear(), 4)}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}` +
    `T${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}.${pad(at.getUTCMilliseconds(), 3)}Z`
  );
}
