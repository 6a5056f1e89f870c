import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { ChannelRequestError, type RequestHandler } from "../lib/brokers/channel/channel-peer";
import type { Logger } from "../lib/log/create-logger";
import { harnessArgv } from "./harnesses";
import type { PtyRelay } from "./pty-relay";
import { PortPool, PortPoolExhaustedError, portEnvironment, type PortAllocation } from "./port-pool";
import type { AgentRuntime } from "./runtimes/agent-runtime";

const agentId = z.uuid();
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);
const token = z.string().min(20).max(4096);
const schemas = {
  "agent.start": z
    .object({
      agentId,
      harness: z.string().min(1).max(32),
      command: z.string().min(1).max(4096).nullish(),
      task: z.string().max(65_536).nullish(),
      env: z.record(envName, z.string().max(32_768)).default({}),
      gitRemote: z.string().max(500).nullish(),
      /** The hub's admin allows remotes on internal addresses (SCION_ALLOW_PRIVATE_GIT_REMOTES). */
      allowPrivateRemote: z.boolean().optional(),
      /** The agent's own token; without one the harness runs without the shim. */
      token: token.optional(),
    })
    .strict(),
  "agent.stop": z.object({ agentId }).strict(),
  "agent.delete": z.object({ agentId }).strict(),
  "agent.message": z.object({ agentId, text: z.string().min(1).max(65_536) }).strict(),
  "agent.reset-auth": z.object({ agentId, token }).strict(),
} as const;

/** Names the broker sets for every agent; an agent's own env cannot override them. */
const RESERVED = /^(SCION_|AVAILABLE_LOCALHOST_)/;

export interface AgentOperations {
  handle: RequestHandler;
  /** What the heartbeat reports: the agents running here. */
  heartbeat(): Promise<{ agents: string[] }>;
  /** After a broker restart: re-mark the ports of agents still running, forget the rest. */
  restore(): Promise<void>;
}

export interface AgentOperationsOptions {
  runtime: AgentRuntime;
  ports: PortPool;
  dataDir: string;
  logger: Logger;
  /** The hub URL agents report to: the one this broker is connected to. */
  hubUrl?: () => string | undefined;
  /** Every hub URL this broker knows; agents fall back to them when theirs is unreachable. */
  hubUrls?: string[];
  /** Tells the hub about progress it cannot see (the clone before the shim runs). */
  emit?: (name: string, data: unknown) => void;
  /** Browser terminals; without it `pty.open` is unsupported. */
  pty?: PtyRelay;
}

/**
 * The operations a hub asks of this broker, over the control channel. Starting writes the
 * agent's token file, prepares the workspace, allocates the agent's ports (releasing any it
 * held first, so a restart never leaks), passes them in the environment and gives them back if
 * the start fails; stop and delete release them. Holdings are saved in `<data dir>/ports.json`,
 * so a broker restart does not hand out ports that running agents still use.
 */
export function createAgentOperations({ runtime, ports, dataDir, logger, hubUrl, hubUrls, emit, pty }: AgentOperationsOptions): AgentOperations {
  const file = path.join(dataDir, "ports.json");
  const save = () => {
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(ports.snapshot()), { mode: 0o600 });
    fs.renameSync(tmp, file);
  };

  /** Stop or delete: the runtime acts, then the agent's ports go back to the pool. */
  const end = async (id: string, act: (id: string) => Promise<void>) => {
    await act(id);
    ports.release(id);
    save();
    return {};
  };

  const start = async (args: z.output<(typeof schemas)["agent.start"]>): Promise<unknown> => {
    if (await runtime.isRunning(args.agentId)) return { ...ports.describe(ports.snapshot()[args.agentId] ?? []), alreadyRunning: true };
    let argv: string[];
    try {
      argv = harnessArgv(args.harness, args, { shell: defaultShell() });
    } catch (err) {
      throw new ChannelRequestError("validation_error", (err as Error).message);
    }
    const hub = args.token ? hubUrl?.() : undefined;
    if (args.token && !hub) throw new ChannelRequestError("broker_unavailable", "the broker is not connected to a hub");
    try {
      await runtime.prepare(args.agentId);
      if (args.token) await runtime.writeToken(args.agentId, args.token);
      if (args.gitRemote) {
        await runtime.cloneWorkspace(args.agentId, args.gitRemote, {
          allowPrivate: args.allowPrivateRemote === true,
          onCloning: () => emit?.("agent.phase", { agentId: args.agentId, phase: "cloning" }),
        });
      }
    } catch (err) {
      throw new ChannelRequestError("start_failed", (err as Error).message);
    }
    ports.release(args.agentId);
    let allocation: PortAllocation;
    try {
      allocation = await ports.allocate(args.agentId);
    } catch (err) {
      save();
      if (err instanceof PortPoolExhaustedError) throw new ChannelRequestError("ports_exhausted", err.message);
      throw err;
    }
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(args.env)) if (!RESERVED.test(k)) env[k] = v;
    Object.assign(env, portEnvironment(allocation), { SCION_AGENT_LOG: path.join(path.dirname(runtime.tokenFileOf(args.agentId)), "shim.log") }, hubUrls?.length ? { SCION_HUB_URLS: hubUrls.join(",") } : {});
    try {
      await runtime.start({ agentId: args.agentId, argv, env, ...(hub && { shim: { hubUrl: hub } }) });
    } catch (err) {
      ports.release(args.agentId);
      save();
      throw new ChannelRequestError("start_failed", (err as Error).message);
    }
    save();
    logger.info({ agentId: args.agentId, ports: allocation.ports, harness: args.harness }, "agent started");
    return allocation;
  };

  // Agents between "ports allocated" and "session running": their ports are not idle.
  const starting = new Map<string, Promise<unknown>>();

  const ops: Record<string, (args: unknown) => Promise<unknown>> = {
    ping: async () => ({ pong: true }),
    ...(pty && { "pty.open": (args: unknown) => pty.open(args) }),
    // A start retried while the first is still on its way (a hub that lost the broker hands the
    // intent to the replica that got it) joins the first: one user, one clone, one session.
    "agent.start": async (raw) => {
      const args = schemas["agent.start"].parse(raw);
      const inFlight = starting.get(args.agentId);
      if (inFlight) return inFlight;
      const started = start(args).finally(() => starting.delete(args.agentId));
      starting.set(args.agentId, started);
      return started;
    },
    "agent.stop": async (raw) => end(schemas["agent.stop"].parse(raw).agentId, (id) => runtime.stop(id)),
    "agent.delete": async (raw) => end(schemas["agent.delete"].parse(raw).agentId, (id) => runtime.remove(id)),
    "agent.message": async (raw) => {
      const args = schemas["agent.message"].parse(raw);
      if (!(await runtime.isRunning(args.agentId))) throw new ChannelRequestError("conflict", "the agent is not running");
      await runtime.sendText(args.agentId, args.text);
      return { delivered: true };
    },
    // Reset-auth: the new token replaces the file the shim reads, then SIGUSR2 tells the shim to
    // re-read it now. A signal that cannot be sent is a warning: the shim's refresh loop reads the
    // file too.
    "agent.reset-auth": async (raw) => {
      const args = schemas["agent.reset-auth"].parse(raw);
      if (!(await runtime.isRunning(args.agentId))) throw new ChannelRequestError("conflict", "the agent is not running");
      await runtime.writeToken(args.agentId, args.token);
      const signalled = await runtime.signal(args.agentId, "SIGUSR2").catch(() => false);
      if (!signalled) logger.warn({ agentId: args.agentId }, "wrote the new token but could not signal the shim");
      return { written: true, signalled, ...(!signalled && { warning: "the token file was written, but the shim could not be signalled; it picks the token up at its next refresh" }) };
    },
  };

  return {
    async handle(op, args) {
      const fn = ops[op];
      if (!fn) throw new ChannelRequestError("unsupported", `this broker does not handle ${op}`);
      try {
        return await fn(args);
      } catch (err) {
        if (err instanceof z.ZodError) throw new ChannelRequestError("validation_error", err.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
        throw err;
      }
    },
    // Every heartbeat also returns the ports of agents whose session ended by itself (the
    // harness exited): nothing else would, until the agent's next stop, start or delete.
    async heartbeat() {
      const running = await runtime.listRunning();
      const alive = new Set(running);
      let released = false;
      for (const agentId of Object.keys(ports.snapshot())) {
        if (alive.has(agentId) || starting.has(agentId)) continue;
        ports.release(agentId);
        released = true;
      }
      if (released) save();
      return { agents: running };
    },
    async restore() {
      let saved: Record<string, number[]> = {};
      try {
        saved = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, number[]>;
      } catch {
        // no holdings yet
      }
      const running = new Set(await runtime.listRunning());
      for (const [id, held] of Object.entries(saved)) if (running.has(id) && Array.isArray(held)) ports.restore(id, held);
      save();
    },
  };
}

/** The login shell for the shell harness: the broker user's, else bash. */
export function defaultShell(): string {
  return process.env.SHELL || (os.platform() === "darwin" ? "/bin/zsh" : "/bin/bash");
}
