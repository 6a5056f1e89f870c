import fs from "node:fs";
import net from "node:net";
import { z } from "zod";

/** Letters name an agent's ports: AVAILABLE_LOCALHOST_PORT_A, _B, … */
const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

export const portPoolSettingsSchema = z
  .object({
    range: z
      .string()
      .trim()
      .regex(/^\d{1,5}-\d{1,5}$/, { error: 'must look like "8000-9000"' })
      .default("8000-9000"),
    portsPerAgent: z
      .number()
      .int()
      .min(1, { error: "must be at least 1" })
      .max(LETTERS.length, { error: `must be at most ${LETTERS.length}` })
      .default(2),
    hostUrl: z
      .string()
      .trim()
      .transform((s) => s.replace(/\/+$/, ""))
      .refine((s) => /^https?:\/\/[^/:?#\s]+$/.test(s), {
        error: "must be a scheme and host, like http://203.0.113.7 (no port or path)",
      })
      .optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const [start, end] = s.range.split("-").map(Number) as [number, number];
    if (!Number.isFinite(start) || !Number.isFinite(end)) return;
    if (start < 1024 || end > 65535)
      ctx.addIssue({ code: "custom", path: ["range"], message: "must lie within 1024-65535" });
    else if (start > end) ctx.addIssue({ code: "custom", path: ["range"], message: "must start at or below its end" });
    else if (end - start + 1 < s.portsPerAgent)
      ctx.addIssue({
        code: "custom",
        path: ["range"],
        message: `holds fewer than portsPerAgent (${s.portsPerAgent}) ports`,
      });
  });

export type PortPoolSettings = z.input<typeof portPoolSettingsSchema>;

export interface PortAllocation {
  /** Port per letter: { A: 8000, B: 8001 }. */
  ports: Record<string, number>;
  /** URL per letter when a host URL is configured: { A: "http://host:8000" }. */
  urls: Record<string, string>;
}

export class PortPoolSettingsError extends Error {
  override name = "PortPoolSettingsError";
}

export class PortPoolExhaustedError extends Error {
  override name = "PortPoolExhaustedError";
}

export interface PortPoolOptions {
  /** Whether a port is free on this machine; ports in use by other programs are skipped. */
  isPortFree?: (port: number) => Promise<boolean>;
}

/**
 * A broker's pool of host ports for agents' own servers (docs/architecture.md, "An agent's life"). Lowest
 * free ports first; an agent holds its ports until released (stop, delete, failed start);
 * allocation is serialised, so concurrent starts never share a port, and all-or-nothing, so an
 * exhausted pool leaks nothing. The holdings are saved to a file (saveTo) after every change, so
 * after a broker restart restoreFrom() re-marks the ports of agents still running before anything
 * new is handed out.
 */
export class PortPool {
  readonly start: number;
  readonly end: number;
  readonly portsPerAgent: number;
  readonly hostUrl?: string;
  private readonly holdings = new Map<string, number[]>();
  private readonly taken = new Set<number>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly isPortFree: (port: number) => Promise<boolean>;

  constructor(settings: PortPoolSettings = {}, options: PortPoolOptions = {}) {
    const parsed = portPoolSettingsSchema.safeParse(settings);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new PortPoolSettingsError(`port pool ${issue.path.join(".") || "settings"}: ${issue.message}`);
    }
    const s = parsed.data;
    [this.start, this.end] = s.range.split("-").map(Number) as [number, number];
    this.portsPerAgent = s.portsPerAgent;
    this.hostUrl = s.hostUrl;
    this.isPortFree = options.isPortFree ?? canBind;
  }

  /** Ports for an agent. An agent that already holds ports gets them back unchanged. */
  allocate(agentId: string): Promise<PortAllocation> {
    const run = this.queue.then(() => this.allocateNow(agentId));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Returns an agent's ports to the pool; a no-op for an agent that holds none. */
  release(agentId: string): void {
    for (const port of this.holdings.get(agentId) ?? []) this.taken.delete(port);
    this.holdings.delete(agentId);
  }

  /** Re-marks ports held by agents that survived a broker restart. Conflicting claims are an error. */
  restore(agentId: string, ports: number[]): void {
    for (const port of ports) {
      if (port < this.start || port > this.end) continue;
      if (this.taken.has(port) && !this.holdings.get(agentId)?.includes(port))
        throw new Error(`port ${port} is claimed by two agents`);
    }
    const inRange = ports.filter((p) => p >= this.start && p <= this.end);
    this.release(agentId);
    this.holdings.set(agentId, inRange);
    for (const port of inRange) this.taken.add(port);
  }

  /** Ports currently held, by agent. */
  snapshot(): Record<string, number[]> {
    return Object.fromEntries([...this.holdings].map(([id, ports]) => [id, [...ports]]));
  }

  /** Writes the holdings to `file` (a temporary file renamed over it, mode 0600): a crash never leaves half a file. */
  saveTo(file: string): void {
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(this.snapshot()), { mode: 0o600 });
    fs.renameSync(tmp, file);
  }

  /**
   * After a broker restart: re-marks the holdings saved in `file` of the agents still running and
   * forgets the rest. No file (or an unreadable one) holds nothing.
   */
  restoreFrom(file: string, running: ReadonlySet<string>): void {
    let saved: Record<string, number[]> = {};
    try {
      saved = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, number[]>;
    } catch {
      // no holdings yet
    }
    for (const [agentId, held] of Object.entries(saved))
      if (running.has(agentId) && Array.isArray(held)) this.restore(agentId, held);
  }

  describe(ports: number[]): PortAllocation {
    const out: PortAllocation = { ports: {}, urls: {} };
    ports.forEach((port, i) => {
      const letter = LETTERS[i]!;
      out.ports[letter] = port;
      if (this.hostUrl) out.urls[letter] = `${this.hostUrl}:${port}`;
    });
    return out;
  }

  private async allocateNow(agentId: string): Promise<PortAllocation> {
    const held = this.holdings.get(agentId);
    if (held) return this.describe(held);
    const chosen: number[] = [];
    for (let port = this.start; port <= this.end && chosen.length < this.portsPerAgent; port++) {
      if (this.taken.has(port)) continue;
      if (await this.isPortFree(port)) chosen.push(port);
    }
    if (chosen.length < this.portsPerAgent) {
      throw new PortPoolExhaustedError(
        `no ${this.portsPerAgent} free ports left in ${this.start}-${this.end} (${this.holdings.size} agents hold ${this.taken.size}); stop an agent or widen the range`,
      );
    }
    this.holdings.set(agentId, chosen);
    for (const port of chosen) this.taken.add(port);
    return this.describe(chosen);
  }
}

/** Environment variables for an agent's ports (and URLs, with a host URL). */
export function portEnvironment(allocation: PortAllocation): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [letter, port] of Object.entries(allocation.ports))
    env[`AVAILABLE_LOCALHOST_PORT_${letter}`] = String(port);
  for (const [letter, url] of Object.entries(allocation.urls)) env[`AVAILABLE_LOCALHOST_URL_${letter}`] = url;
  return env;
}

/** True when nothing on this machine listens on the port (tried on all interfaces). */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}
