import { execFile } from "node:child_process";
import fs from "node:fs";
import { promisify } from "node:util";
import type { Logger } from "../lib/log/create-logger";
import { AGENT_UID_MAX, AGENT_UID_MIN } from "../lib/net/agent-uids";
import { assertAgentId } from "./runtimes/agent-runtime";

const run = promisify(execFile);

/** Marks an account as a Scion agent's in /etc/passwd (the GECOS field), followed by the agent id. */
const GECOS_PREFIX = "scion agent ";

/** Who an agent's processes run as. */
export interface AgentIdentity {
  uid: number;
  gid: number;
  /** The account name (also USER and LOGNAME in the agent's environment). */
  user: string;
}

/**
 * Local agents run as users of their own. When the broker runs as root, every agent gets a
 * system account of its own (`scion-<first 12 hex digits of its id>`, uid in
 * 200000-299999, its own group, no password, home = the agent's HOME), created on first start
 * and deleted with the agent. One uid per agent is what makes the boundary hold: an agent
 * cannot read another agent's 0700 workspace, HOME or token file, cannot signal or ptrace its
 * processes and cannot reach its tmux server, and nothing of the hub's or the broker's (all
 * root-owned, 0600/0700) is readable. One shared agent user would need every agent file to be
 * unreadable to "the other agents", which the same uid cannot express.
 *
 * A broker that is not root cannot switch users: agents then run as the broker's own user and
 * can read whatever that user can (`isolated` is false; the broker says so at start).
 */
export class AgentUsers {
  readonly isolated: boolean;
  /** useradd/userdel lock /etc/passwd; one at a time per broker (other brokers: retried). */
  private queue: Promise<unknown> = Promise.resolve();
  /** Accounts already looked up: every tmux command on an agent needs its account, /etc/passwd grows with agents. */
  private readonly known = new Map<string, AgentIdentity>();

  constructor(
    private readonly logger: Logger,
    isolated = process.getuid?.() === 0,
  ) {
    this.isolated = isolated;
  }

  /** The account name of an agent. */
  static userOf(agentId: string): string {
    return `scion-${assertAgentId(agentId).replace(/-/g, "").slice(0, 12)}`;
  }

  /** The agent's account, created when missing (home is recorded, not created). */
  async ensure(agentId: string, home: string): Promise<AgentIdentity | undefined> {
    if (!this.isolated) return undefined;
    const user = AgentUsers.userOf(agentId);
    const mine = (entry: PasswdEntry | undefined): AgentIdentity | undefined => {
      if (!entry) return undefined;
      if (entry.gecos !== `${GECOS_PREFIX}${agentId}`)
        throw new Error(`the account ${user} exists but does not belong to agent ${agentId}; remove it or rename it`);
      return { uid: entry.uid, gid: entry.gid, user };
    };
    const existing = this.known.get(agentId) ?? mine(lookupUser(user));
    if (existing) return this.remember(agentId, existing);
    // Looked up again in the queue: two starts of one agent must not both add it.
    return this.serially(async () => {
      const now = mine(lookupUser(user));
      if (now) return this.remember(agentId, now);
      await retryLocked(() =>
        run(
          "useradd",
          [
            "--system",
            "--no-create-home",
            "--user-group",
            "--shell",
            "/bin/bash",
            "--home-dir",
            home,
            "--comment",
            `${GECOS_PREFIX}${agentId}`,
            "-K",
            `SYS_UID_MIN=${AGENT_UID_MIN}`,
            "-K",
            `SYS_UID_MAX=${AGENT_UID_MAX}`,
            "-K",
            `SYS_GID_MIN=${AGENT_UID_MIN}`,
            "-K",
            `SYS_GID_MAX=${AGENT_UID_MAX}`,
            user,
          ],
          { timeout: 30_000 },
        ),
      );
      const created = mine(lookupUser(user));
      if (!created) throw new Error(`useradd did not create ${user}`);
      this.logger.debug({ agentId, user, uid: created.uid }, "created the agent's user");
      return this.remember(agentId, created);
    });
  }

  /** The agent's account if it exists (no creation). */
  find(agentId: string): AgentIdentity | undefined {
    if (!this.isolated) return undefined;
    const cached = this.known.get(agentId);
    if (cached) return cached;
    const user = AgentUsers.userOf(agentId);
    const found = lookupUser(user);
    return found && found.gecos === `${GECOS_PREFIX}${agentId}`
      ? this.remember(agentId, { uid: found.uid, gid: found.gid, user })
      : undefined;
  }

  /** Deletes the agent's account (after its processes are gone). */
  async remove(agentId: string): Promise<void> {
    if (!this.isolated || !this.find(agentId)) return;
    this.known.delete(agentId);
    const user = AgentUsers.userOf(agentId);
    await this.serially(() => retryLocked(() => run("userdel", [user], { timeout: 30_000 }))).catch(
      (err: Error & { stderr?: string }) => {
        if (!/does not exist/.test(String(err.stderr))) throw err;
      },
    );
  }

  /**
   * Accounts of agents whose files are gone (a deleted data directory, an agent removed while
   * this broker was down): their HOME's parent no longer exists. Removed at broker start.
   */
  async reapOrphans(): Promise<number> {
    if (!this.isolated) return 0;
    let reaped = 0;
    for (const entry of readPasswd()) {
      if (!entry.gecos.startsWith(GECOS_PREFIX) || entry.uid < AGENT_UID_MIN || entry.uid > AGENT_UID_MAX) continue;
      if (fs.existsSync(entry.home) || fs.existsSync(entry.home.replace(/\/home$/, ""))) continue;
      try {
        await this.serially(() => retryLocked(() => run("userdel", [entry.user], { timeout: 30_000 })));
        reaped++;
      } catch (err) {
        this.logger.warn({ user: entry.user, err: (err as Error).message }, "could not remove an orphaned agent user");
      }
    }
    if (reaped) this.logger.info({ reaped }, "removed the users of agents whose files are gone");
    return reaped;
  }

  private remember(agentId: string, identity: AgentIdentity): AgentIdentity {
    this.known.set(agentId, identity);
    return identity;
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

interface PasswdEntry {
  user: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
}

function readPasswd(): PasswdEntry[] {
  return fs
    .readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .map((line) => line.split(":"))
    .filter((f) => f.length >= 7)
    .map(([user, , uid, gid, gecos, home]) => ({
      user: user!,
      uid: Number(uid),
      gid: Number(gid),
      gecos: gecos ?? "",
      home: home ?? "",
    }));
}

function lookupUser(user: string): PasswdEntry | undefined {
  return readPasswd().find((e) => e.user === user);
}

/** useradd/userdel exit 10 ("cannot lock /etc/passwd") while another broker holds the lock. */
async function retryLocked<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const text = String((err as { stderr?: string }).stderr ?? "");
      if (attempt >= 50 || !/cannot lock|try again later|unable to lock/i.test(text)) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 150));
    }
  }
}
