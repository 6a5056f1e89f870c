import fs from "node:fs";

/** The roles a process of a bench run plays, from its command line. */
const ROLES: Array<[string, RegExp]> = [
  ["broker", /broker\/main\.ts/],
  ["agent shims", /scion-agent|agent-shim|agent\/main/],
  ["tmux servers", /^tmux/],
  ["postgres", /postgres/],
  ["hub", /server\.(ts|mjs)|scion-server/],
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
