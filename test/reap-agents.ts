import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * Ends every agent whose files live under `root` and deletes its user. Agents outlive their
 * broker by design (their tmux servers are daemons), so a test run must end its own: the tmux
 * server in each agent's directory, and, for agents of a root broker (a user each, see
 * broker/agent-users.ts), every process of that user, then the user.
 */
export function reapAgentsUnder(root: string): void {
  const resolved = path.resolve(root);
  for (const socket of findAgentSockets(resolved, 5))
    spawnSync("tmux", ["-S", socket, "kill-server"], { stdio: "ignore", timeout: 5000 });
  let passwd = "";
  try {
    passwd = fs.readFileSync("/etc/passwd", "utf8");
  } catch {
    return;
  }
  for (const line of passwd.split("\n")) {
    const [user, , , , gecos, home] = line.split(":");
    if (!user || !gecos?.startsWith("scion agent ") || !home?.startsWith(`${resolved}/`)) continue;
    spawnSync("pkill", ["-KILL", "-u", user], { stdio: "ignore", timeout: 5000 });
    spawnSync("userdel", [user], { stdio: "ignore", timeout: 30_000 });
  }
}

function findAgentSockets(dir: string, depth: number): string[] {
  if (depth < 0) return [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const entry of entries) {
    if (
      !entry.isDirectory() ||
      entry.name === "postgres" ||
      entry.name === "workspaces" ||
      entry.name === "node_modules"
    )
      continue;
    const full = path.join(dir, entry.name);
    const socket = path.join(full, "tmux.sock");
    if (fs.existsSync(socket)) found.push(socket);
    else found.push(...findAgentSockets(full, depth - 1));
  }
  return found;
}
