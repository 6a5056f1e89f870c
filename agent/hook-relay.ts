import fs from "node:fs";
import net from "node:net";
import { HubRequestError } from "./hub-client";

/** Longest path a unix socket may have (108 bytes on Linux, with its NUL). */
const MAX_SOCKET_PATH = 107;
const MAX_LINE = 256 * 1024;

export interface HookRelayOptions {
  socketPath: string;
  /** Posts one report to the hub (AgentHubClient.report: retries outages a few times itself). */
  send: (body: Record<string, unknown>) => Promise<void>;
  log: (level: "info" | "warn", message: string) => void;
  /** Reports kept while the hub is away; the oldest go first. */
  maxQueue?: number;
  /** A report older than this is dropped instead of sent: it no longer says what the agent does. */
  maxAgeMs?: number;
  /** Waits between attempts while the hub does not answer. */
  retryMs?: number[];
  /**
   * Rewritten whenever the harness takes a prompt (its prompt-submit hook): the broker, typing a
   * message into the harness, reads it to know its Enter was taken.
   */
  promptMarker?: string;
}

interface Queued {
  body: Record<string, unknown>;
  at: number;
}

/**
 * The shim's end of the hooks: a unix socket (0600, in the agent's own 0700 directory) on which
 * `scion-agent hook` drops one JSON report a line and leaves at once. Reports are posted to the
 * hub one at a time, in the order they came, so a tool's start never lands after its end; while
 * the hub is away they wait (bounded in number and age; what is dropped is logged).
 */
export class HookRelay {
  private server?: net.Server;
  private readonly queue: Queued[] = [];
  private draining?: Promise<void>;
  private dropped = 0;
  private closed = false;
  private wake?: () => void;
  private readonly sockets = new Set<net.Socket>();
  /** Held until the shim's own `running` report went out, so a hook's activity is not overwritten by it. */
  private held = true;

  constructor(private readonly opts: HookRelayOptions) {}

  /** Starts listening; false (logged) when the socket cannot be made, and hooks post directly. */
  async listen(): Promise<boolean> {
    const { socketPath, log } = this.opts;
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
      log("warn", `no hook socket: ${socketPath} is longer than a unix socket path may be`);
      return false;
    }
    try {
      // A socket left by an earlier run of this agent; anything else there is not ours to remove.
      if (fs.lstatSync(socketPath, { throwIfNoEntry: false })?.isSocket()) fs.unlinkSync(socketPath);
    } catch {
      // listen() below says what is wrong.
    }
    const server = net.createServer((socket) => this.accept(socket));
    const listening = await new Promise<boolean>((resolve) => {
      server.once("error", (err) => {
        log("warn", `no hook socket at ${socketPath}: ${err.message}`);
        resolve(false);
      });
      server.listen(socketPath, () => resolve(true));
    });
    if (!listening) return false;
    fs.chmodSync(socketPath, 0o600);
    server.on("error", (err) => log("warn", `hook socket: ${err.message}`));
    this.server = server;
    return true;
  }

  private accept(socket: net.Socket): void {
    let buffered = "";
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_LINE) {
        this.opts.log("warn", "hook socket: a report over 256 KiB was refused");
        buffered = "";
        socket.destroy();
        return;
      }
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        this.take(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    });
    socket.on("end", () => {
      if (buffered.trim()) this.take(buffered);
    });
    socket.on("error", () => undefined);
  }

  private take(line: string): void {
    let body: unknown;
    try {
      body = JSON.parse(line);
    } catch {
      return this.opts.log("warn", "hook socket: a report that is not JSON was ignored");
    }
    if (
      !body ||
      typeof body !== "object" ||
      Array.isArray(body) ||
      typeof (body as { hookEvent?: unknown }).hookEvent !== "string"
    ) {
      return this.opts.log("warn", "hook socket: a report without hookEvent was ignored");
    }
    if ((body as { hookEvent: string }).hookEvent === "prompt-submit" && this.opts.promptMarker) {
      try {
        fs.writeFileSync(this.opts.promptMarker, `${Date.now()}\n`, { mode: 0o600 });
      } catch (err) {
        this.opts.log("warn", `cannot write the prompt marker: ${(err as Error).message}`);
      }
    }
    this.enqueue(body as Record<string, unknown>);
  }

  /** Queues a report (also for the shim itself); the oldest give way when the queue is full. */
  enqueue(body: Record<string, unknown>): void {
    if (this.closed) return;
    const max = this.opts.maxQueue ?? 500;
    while (this.queue.length >= max) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push({ body, at: Date.now() });
    this.kick();
  }

  /** Starts posting (reports queued meanwhile go first, in order). */
  release(): void {
    this.held = false;
    this.kick();
  }

  private kick(): void {
    if (this.held || this.queue.length === 0) return;
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  private async drain(): Promise<void> {
    const maxAge = this.opts.maxAgeMs ?? 10 * 60_000;
    const retryMs = this.opts.retryMs ?? [1000, 2000, 5000, 10_000, 30_000];
    let failures = 0;
    while (this.queue.length > 0) {
      if (this.dropped > 0) {
        this.opts.log("warn", `dropped ${this.dropped} hook report(s): the hub was away too long`);
        this.dropped = 0;
      }
      const head = this.queue[0]!;
      if (Date.now() - head.at > maxAge) {
        this.queue.shift();
        this.dropped++;
        continue;
      }
      try {
        await this.opts.send(head.body);
        this.queue.shift();
        failures = 0;
      } catch (err) {
        if (err instanceof HubRequestError && err.status < 500) {
          // The hub refused this report (it will refuse it again): the next one may be fine.
          this.opts.log("warn", `the hub refused a ${String(head.body.hookEvent)} report: ${err.message}`);
          this.queue.shift();
          continue;
        }
        if (this.closed) return;
        this.opts.log("warn", `hook report not delivered (${(err as Error).message}); retrying`);
        await this.sleep(retryMs[Math.min(failures++, retryMs.length - 1)]!);
      }
    }
    if (this.dropped > 0) {
      this.opts.log("warn", `dropped ${this.dropped} hook report(s): the hub was away too long`);
      this.dropped = 0;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * Stops listening and waits (at most `timeoutMs`) for what is queued to reach the hub: the
   * last turn's output comes just before the harness exits, and should land before `stopped`.
   */
  async close(timeoutMs = 3000): Promise<void> {
    this.release();
    const server = this.server;
    this.server = undefined;
    if (server) {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of this.sockets) socket.destroy();
      await closing;
    }
    const draining = this.draining;
    if (draining) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([draining, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    }
    this.closed = true;
    this.wake?.();
    if (this.queue.length > 0)
      this.opts.log("warn", `dropped ${this.queue.length} hook report(s) at exit: the hub did not take them`);
    this.queue.length = 0;
  }
}
