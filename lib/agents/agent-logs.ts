import { z } from "zod";
import { principalId, type Principal } from "../auth/principal";
import type { Agent } from "../db/generated/client";
import { dispatchToBroker } from "../dispatch/route-to-broker";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";

/** Lines a tail answers by default, and at most. */
export const LOGS_TAIL_DEFAULT = 200;
export const LOGS_TAIL_MAX = 5000;
/** A follow asks the broker for new lines this often (each ask is bounded by the broker). */
export const LOGS_FOLLOW_POLL_MS = 1000;
/** A follow ends by itself after this long; the client reconnects if it still wants more. */
export const LOGS_FOLLOW_MAX_MS = 30 * 60_000;
const BROKER_LOGS_TIMEOUT_MS = 10_000;
const KEEPALIVE_MS = 15_000;

export const LOG_SOURCES = ["shim", "harness"] as const;
export type LogSource = (typeof LOG_SOURCES)[number];

export const agentLogsQuery = z
  .object({
    tail: z.coerce.number().int().min(0).max(LOGS_TAIL_MAX).default(LOGS_TAIL_DEFAULT),
    follow: z
      .enum(["true", "false", "1", "0"])
      .transform((v) => v === "true" || v === "1")
      .default(false),
    source: z.enum(["all", ...LOG_SOURCES]).default("all"),
  })
  .strict();
export type AgentLogsQuery = z.output<typeof agentLogsQuery>;

const logLine = z.object({ source: z.enum(LOG_SOURCES), text: z.string() });
export type LogLine = z.infer<typeof logLine>;
export const agentLogsSchema = z.object({ agentId: z.uuid(), lines: z.array(logLine), text: z.string() });

const chunk = z.object({ lines: z.array(z.string()), offset: z.number().int().min(0) });
const brokerLogs = z.object({ shim: chunk, harness: chunk });
type BrokerLogs = z.infer<typeof brokerLogs>;
type Cursor = { shim: number; harness: number };

async function askBroker(runtime: HubRuntime, principal: Principal, agent: Agent, args: object): Promise<BrokerLogs> {
  if (!agent.brokerId) throw new ApiError("conflict", "The agent has never run on a runtime broker; it has no logs.");
  const raw = await dispatchToBroker(runtime, {
    brokerId: agent.brokerId,
    agentId: agent.id,
    op: "agent.logs",
    args: { agentId: agent.id, ...args },
    timeoutMs: BROKER_LOGS_TIMEOUT_MS,
    actor: principalId(principal),
    ephemeral: true,
  });
  const parsed = brokerLogs.safeParse(raw);
  if (!parsed.success) throw new ApiError("internal", "The runtime broker answered the logs in an unknown shape.");
  return parsed.data;
}

function linesOf(logs: BrokerLogs, source: AgentLogsQuery["source"]): LogLine[] {
  return LOG_SOURCES.filter((s) => source === "all" || source === s).flatMap((s) =>
    logs[s].lines.map((text) => ({ source: s, text })),
  );
}

/** The last `tail` lines of the shim's log and of the harness's output (ANSI stripped by the broker). */
export async function tailAgentLogs(
  runtime: HubRuntime,
  principal: Principal,
  agent: Agent,
  query: AgentLogsQuery,
): Promise<z.infer<typeof agentLogsSchema>> {
  const lines = linesOf(await askBroker(runtime, principal, agent, { tail: query.tail }), query.source);
  return { agentId: agent.id, lines, text: lines.map((l) => l.text).join("\n") };
}

/**
 * `?follow=true`: Server-Sent Events. First the tail (one `line` event per line, `{source, text}`),
 * then every new line as the broker's logs grow, asked for once a second from the offsets the
 * last answer gave (each answer bounded by the broker), until the client leaves (its request's
 * signal), the agent is gone, or LOGS_FOLLOW_MAX_MS passes (`event: end` with the reason).
 */
export async function followAgentLogs(
  runtime: HubRuntime,
  principal: Principal,
  agent: Agent,
  query: AgentLogsQuery,
  signal: AbortSignal,
): Promise<Response> {
  // The tail first, before answering: an agent without logs is an error, not an empty stream.
  const first = await askBroker(runtime, principal, agent, { tail: query.tail });
  const encoder = new TextEncoder();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let keepalive: NodeJS.Timeout | undefined;
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    clearInterval(keepalive);
  };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        if (stopped) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          stop();
        }
      };
      const end = (reason: string) => {
        send(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
        stop();
        try {
          controller.close();
        } catch {
          // already closed
        }
      };
      const emit = (logs: BrokerLogs) => {
        for (const line of linesOf(logs, query.source)) send(`event: line\ndata: ${JSON.stringify(line)}\n\n`);
      };
      send(`retry: 3000\n\n`);
      emit(first);
      let cursor: Cursor = { shim: first.shim.offset, harness: first.harness.offset };
      const deadline = Date.now() + LOGS_FOLLOW_MAX_MS;
      const step = async () => {
        if (stopped) return;
        if (Date.now() > deadline) return end("the follow reached its time limit; reconnect to go on");
        try {
          const current = await runtime.prisma.agent.findUnique({ where: { id: agent.id } });
          if (!current) return end("the agent was deleted");
          const next = await askBroker(runtime, principal, current, { cursor });
          if (stopped) return;
          emit(next);
          cursor = { shim: next.shim.offset, harness: next.harness.offset };
        } catch (err) {
          // A broker away for a moment is not the end of a follow; the next step tries again.
          if (!(err instanceof ApiError) || err.code !== "broker_unavailable")
            return end(err instanceof ApiError ? err.message : "the logs could not be read");
        }
        if (!stopped) timer = setTimeout(() => void step(), LOGS_FOLLOW_POLL_MS);
      };
      keepalive = setInterval(() => send(`: keepalive\n\n`), KEEPALIVE_MS);
      timer = setTimeout(() => void step(), LOGS_FOLLOW_POLL_MS);
    },
    cancel() {
      stop();
    },
  });
  signal.addEventListener("abort", stop, { once: true });
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    },
  });
}
