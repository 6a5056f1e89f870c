import { z } from "zod";
import type { Principal } from "../auth/principal";
import type { HubRuntime } from "../runtime/hub-runtime";
import { RESET_AUTH_ALL_CONCURRENCY, resetAuthAllAgents } from "./reset-auth-all";

/** What a running operation may do: write its log, report progress, learn it was asked to stop. */
export interface RunContext {
  runtime: HubRuntime;
  principal: Principal;
  requestId?: string;
  log(line: string): void;
  progress(progress: Record<string, unknown>): void;
  isAborted(): boolean;
}

/** A parameter as the admin form shows it; the zod schema is what validates it. */
export interface ParamSpec {
  name: string;
  label: string;
  type: "number";
  default: number;
  min: number;
  max: number;
}

export interface MaintenanceOperationSpec {
  key: string;
  title: string;
  description: string;
  category: "quick-action" | "operation";
  params: ParamSpec[];
  schema: z.ZodType<Record<string, unknown>>;
  run(ctx: RunContext, params: Record<string, unknown>): Promise<unknown>;
}

const numberParam = (p: Omit<ParamSpec, "type">) => ({ ...p, type: "number" as const });

/**
 * The built-in maintenance operations. Each validates its parameters, logs what it does, and
 * checks for an abort between steps; its return value is the run's result.
 */
export const OPERATIONS: MaintenanceOperationSpec[] = [
  {
    key: "reset-auth-all",
    title: "Reset auth — all running agents",
    description: "Revokes and reissues the token of every running agent and has each shim re-read it.",
    category: "quick-action",
    params: [
      numberParam({
        name: "concurrency",
        label: "Agents at a time",
        default: RESET_AUTH_ALL_CONCURRENCY,
        min: 1,
        max: 64,
      }),
    ],
    schema: z.object({ concurrency: z.number().int().min(1).max(64).default(RESET_AUTH_ALL_CONCURRENCY) }).strict(),
    run: (ctx, params) => resetAuthAllAgents(ctx, params.concurrency as number),
  },
  {
    key: "purge-messages",
    title: "Purge old messages",
    description:
      "Deletes messages older than the given number of days that were dispatched or failed (pending ones are kept).",
    category: "operation",
    params: [numberParam({ name: "olderThanDays", label: "Older than (days)", default: 30, min: 1, max: 3650 })],
    schema: z.object({ olderThanDays: z.number().int().min(1).max(3650).default(30) }).strict(),
    run: async (ctx, params) => {
      const cutoff = new Date(Date.now() - (params.olderThanDays as number) * 86_400_000);
      let deleted = 0;
      for (;;) {
        if (ctx.isAborted()) break;
        const batch = await ctx.runtime.prisma
          .$executeRaw`DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE "createdAt" < ${cutoff} AND "dispatchState" <> 'pending' LIMIT 1000)`;
        deleted += batch;
        ctx.progress({ deleted });
        if (batch < 1000) break;
      }
      ctx.log(`deleted ${deleted} messages older than ${cutoff.toISOString()}`);
      return { deleted };
    },
  },
  {
    key: "mark-stale-brokers-offline",
    title: "Mark stale brokers offline",
    description:
      "Marks brokers online without a heartbeat for the given minutes as offline and clears their hub affinity.",
    category: "operation",
    params: [numberParam({ name: "staleMinutes", label: "No heartbeat for (minutes)", default: 2, min: 1, max: 1440 })],
    schema: z.object({ staleMinutes: z.number().int().min(1).max(1440).default(2) }).strict(),
    run: async (ctx, params) => {
      const cutoff = new Date(Date.now() - (params.staleMinutes as number) * 60_000);
      const stale = await ctx.runtime.prisma.runtimeBroker.findMany({
        where: { status: "online", OR: [{ lastHeartbeat: { lt: cutoff } }, { lastHeartbeat: null }] },
        select: { id: true, name: true },
      });
      let marked = 0;
      for (const broker of stale) {
        if (ctx.isAborted()) break;
        const { count } = await ctx.runtime.prisma.runtimeBroker.updateMany({
          where: { id: broker.id, status: "online", OR: [{ lastHeartbeat: { lt: cutoff } }, { lastHeartbeat: null }] },
          data: { status: "offline", connectedHubId: null, connectedSessionId: null, version: { increment: 1 } },
        });
        if (count === 1) {
          marked++;
          ctx.log(`marked ${broker.name} (${broker.id}) offline`);
          await ctx.runtime.events
            .publish({ subject: `broker.${broker.id}.status`, data: { id: broker.id, status: "offline" } })
            .catch(() => undefined);
        }
      }
      if (marked === 0) ctx.log("no stale brokers");
      return { marked };
    },
  },
  {
    key: "reap-stuck-dispatches",
    title: "Reap stuck dispatches",
    description:
      "Fails broker dispatches past their deadline and reports messages pending longer than the given minutes.",
    category: "operation",
    params: [
      numberParam({
        name: "pendingMinutes",
        label: "Messages pending for (minutes)",
        default: 10,
        min: 1,
        max: 10_080,
      }),
    ],
    schema: z.object({ pendingMinutes: z.number().int().min(1).max(10_080).default(10) }).strict(),
    run: async (ctx, params) => {
      const { prisma } = ctx.runtime;
      const reaped = await prisma.brokerDispatch.updateMany({
        where: { state: { in: ["pending", "in_progress"] }, deadlineAt: { lt: new Date() } },
        data: { state: "failed", error: "reaped: past its deadline" },
      });
      ctx.log(`failed ${reaped.count} dispatches past their deadline`);
      const cutoff = new Date(Date.now() - (params.pendingMinutes as number) * 60_000);
      const stuck = await prisma.message.findMany({
        where: { dispatchState: "pending", createdAt: { lt: cutoff } },
        select: { id: true, agentId: true, createdAt: true },
        take: 500,
      });
      for (const m of stuck)
        ctx.log(`message ${m.id} for agent ${m.agentId} pending since ${m.createdAt.toISOString()}`);
      return { dispatchesFailed: reaped.count, messagesPending: stuck.length };
    },
  },
];

export function findOperation(key: string): MaintenanceOperationSpec | undefined {
  return OPERATIONS.find((o) => o.key === key);
}
