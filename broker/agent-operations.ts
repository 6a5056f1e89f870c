import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { ChannelRequestError, type RequestHandler } from "../lib/brokers/channel/channel-peer";
import type { Logger } from "../lib/log/create-logger";
import { PortPool, PortPoolExhaustedError, portEnvironment, type PortAllocation } from "./port-pool";
import type { AgentRuntime } from "./runtimes/agent-runtime";

const agentId = z.uuid();
const schemas = {
  "agent.start": z.object({ agentId, command: z.string().min(1).max(4096), env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(32_768)).default({}) }).strict(),
  "agent.stop": z.object({ agentId }).strict(),
  "agent.delete": z.object({ agentId }).strict(),
  "agent.message": z.object({ agentId, text: z.string().min(1).max(65_536) }).strict(),
} as const;

export interface AgentOperations {
  handle: RequestHandler;
  /** What the heartbeat reports: the agents running here. */
  heartbeat(): Promise<{ agents: string[] }>;
  /** After a broker restart: re-mark the ports of agents still running, forget the rest. */
  restore(): Promise<void>;
}

/**
 * The operations a hub asks of this broker, over the control channel. Starting allocates the
 * agent's ports (releasing any it held first, so a restart never leaks), passes them in the
 * environment and gives them back if the start fails; stop and delete release them. Holdings
 * are saved in `<data dir>/ports.json`, so a broker restart does not hand out ports that
 * running agents still use.
 */
export function createAgentOperations({ runtime, ports, dataDir, logger }: { runtime: AgentRuntime; ports: PortPool; dataDir: string; logger: Logger }): AgentOperations {
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

  const ops: Record<string, (args: unknown) => Promise<unknown>> = {
    ping: async () => ({ pong: true }),
    "agent.start": async (raw) => {
      const args = schemas["agent.start"].parse(raw);
      if (await runtime.isRunning(args.agentId)) return ports.describe(ports.snapshot()[args.agentId] ?? []);
      ports.release(args.agentId);
      let allocation: PortAllocation;
      try {
        allocation = await ports.allocate(args.agentId);
      } catch (err) {
        save();
        if (err instanceof PortPoolExhaustedError) throw new ChannelRequestError("ports_exhausted", err.message);
        throw err;
      }
      try {
        await runtime.start({ agentId: args.agentId, command: args.command, env: { ...args.env, ...portEnvironment(allocation) } });
      } catch (err) {
        ports.release(args.agentId);
        save();
        throw err;
      }
      save();
      logger.info({ agentId: args.agentId, ports: allocation.ports }, "agent started");
      return allocation;
    },
    "agent.stop": async (raw) => end(schemas["agent.stop"].parse(raw).agentId, (id) => runtime.stop(id)),
    "agent.delete": async (raw) => end(schemas["agent.delete"].parse(raw).agentId, (id) => runtime.remove(id)),
    "agent.message": async (raw) => {
      const args = schemas["agent.message"].parse(raw);
      if (!(await runtime.isRunning(args.agentId))) throw new ChannelRequestError("conflict", "the agent is not running");
      await runtime.sendText(args.agentId, args.text);
      return { delivered: true };
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
    async heartbeat() {
      return { agents: await runtime.listRunning() };
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
