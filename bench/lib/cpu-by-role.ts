import fs from "node:fs";

/** The roles a process of a bench run plays, from its command line. */
const ROLES: Array<[string, RegExp]> = [
  // First: the terminal bench's direct-pty-server.mjs would otherwise count as the hub.
  ["bench helper processes", /bench\/lib\/[\w-]+\.mjs/],
  ["broker", /broker\/main\.ts/],
  ["agent shims", /scion-agent|agent-shim|agent\/main/],
  ["tmux servers", /^tmux/],
  ["postgres", /postgres/],
  ["hub", /server\.(ts|mjs)|scion-server/],
  ["bench (load and baselines)", /bench\/run\.ts/],
];

/**
 * CPU time (ms, user + system, including reaped children's) of every process on the machine by
 * role, so a bench can say where the time of an operation went: take one before and one after.
 */
export function cpuByRole(): Map<string, number> {
  const tick = 1000 / 100; // USER_HZ is 100 on Linux.
  const totals = new Map<string, number>();
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime, stime, cutime, cstime are fields 14-17 of stat: 11-14 after the command's name.
      const ms = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * tick;
      const role = ROLES.find(([, re]) => re.test(cmd))?.[0] ?? "other";
      totals.set(role, (totals.get(role) ?? 0) + ms);
    } catch {
      // gone meanwhile
    }
  }
  return totals;
}

/** after − before per role, largest first, as "role 1234 ms" parts. */
export function cpuSpent(before: Map<string, number>, after: Map<string, number>): string {
  return [...after]
    .map(([role, ms]) => [role, ms - (before.get(role) ?? 0)] as const)
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([role, ms]) => `${role} ${Math.round(ms)} ms`)
    .join(", ");
}

/** after − before per role and request, largest first, as "role 123 µs" parts (roles under 1 µs left out). */
export function cpuPerRequest(before: Map<string, number>, after: Map<string, number>, requests: number): string {
  return [...after]
    .map(([role, ms]) => [role, ((ms - (before.get(role) ?? 0)) * 1000) / Math.max(1, requests)] as const)
    .filter(([, us]) => us >= 1)
    .sort((a, b) => b[1] - a[1])
    .map(([role, us]) => `${role} ${Math.round(us)} µs`)
    .join(", ");
}

/** Busy and total jiffies of all CPUs, from the first line of /proc/stat. */
function cpuJiffies(): { busy: number; total: number } {
  const fields = fs.readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  // idle and iowait are fields 4 and 5.
  return { busy: total - fields[3]! - (fields[4] ?? 0), total };
}

/**
 * Waits at least `minMs`, then until the machine is quiet: the share of all CPUs busy stays under
 * `maxBusy` for two seconds in a row (at most `timeoutMs` in all). A phase measured right after
 * hundreds of processes started shares the machine with their start-up (their V8 heaps shrinking,
 * first heartbeats), and the phase after it does not: without this, a bench compared a busy
 * machine with a quiet one. Returns what it waited and the percentage busy at the end, to print.
 */
export async function settle({
  minMs = 0,
  maxBusy = 0.3,
  timeoutMs = 90_000,
}: { minMs?: number; maxBusy?: number; timeoutMs?: number } = {}): Promise<{ waitedMs: number; busy: number }> {
  const started = performance.now();
  await new Promise((r) => setTimeout(r, minMs));
  let quietSeconds = 0;
  let busy = 1;
  while (performance.now() - started < timeoutMs) {
    const a = cpuJiffies();
    await new Promise((r) => setTimeout(r, 1000));
    const b = cpuJiffies();
    busy = (b.busy - a.busy) / Math.max(1, b.total - a.total);
    quietSeconds = busy < maxBusy ? quietSeconds + 1 : 0;
    if (quietSeconds >= 2) break;
  }
  return { waitedMs: Math.round(performance.now() - started), busy: Math.round(busy * 100) };
}
