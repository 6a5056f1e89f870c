import { z } from "zod";
import { recordAudit } from "../audit/record-audit";
import { principalId, type Principal } from "../auth/principal";
import type { Agent, Prisma } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import { sendMessage } from "../messages/send-message";
import type { HubRuntime } from "../runtime/hub-runtime";
import { auditLifecycleRequest } from "./audit-lifecycle-request";
import { isAdmin } from "../auth/principal";
import { canActOnAgent, canSeeAgentIn, memberProjectIds } from "./can-access-agent";
import { deleteAgent } from "./delete-agent";
import { restartAgent, stopAgent } from "./lifecycle";
import { agentActivity, agentPhase } from "./schemas";

/** The most agents one bulk call acts on (ids listed, or matched by the filter). */
export const BULK_MAX_AGENTS = 500;
/** Agents acted on at a time, as reset-auth-all does: fifty agents never open fifty broker calls at once. */
export const BULK_CONCURRENCY = 8;
export const BULK_ACTIONS = ["stop", "restart", "delete", "message"] as const;

/** The same filters as GET /api/v1/agents, and `mine` (only the caller's own agents, admins included). */
export const bulkFilter = z
  .object({
    projectId: z.uuid().optional(),
    brokerId: z.uuid().optional(),
    phase: agentPhase.optional(),
    activity: agentActivity.optional(),
    q: z.string().trim().max(200).optional(),
    mine: z.boolean().optional(),
  })
  .strict();

export const bulkAgentsBody = z
  .object({
    action: z.enum(BULK_ACTIONS),
    ids: z.array(z.uuid()).min(1).max(BULK_MAX_AGENTS).optional(),
    filter: bulkFilter.optional(),
    /** The message (action "message"); `text` is accepted as its other name. */
    body: z.string().min(1).max(65_536).optional(),
    text: z.string().min(1).max(65_536).optional(),
    /** Chosen by the caller to follow progress on `bulk.{bulkId}.progress` before the answer comes. */
    bulkId: z.uuid().optional(),
    /** Nothing is done: the answer says which agents the call would act on (a confirmation's count). */
    dryRun: z.boolean().optional(),
  })
  .strict()
  .refine((b) => (b.ids === undefined) !== (b.filter === undefined), {
    error: "give either ids or filter (one of them)",
    path: ["ids"],
  })
  .refine((b) => b.action !== "message" || b.body !== undefined || b.text !== undefined, {
    error: "a message needs its body",
    path: ["body"],
  })
  .refine((b) => b.action === "message" || (b.body === undefined && b.text === undefined), {
    error: "only the message action takes a body",
    path: ["body"],
  })
  .refine((b) => b.body === undefined || b.text === undefined || b.body === b.text, {
    error: "body and text differ; give one",
    path: ["text"],
  });
export type BulkAgentsBody = z.output<typeof bulkAgentsBody>;

export const bulkResultSchema = z.object({
  agentId: z.string(),
  /** The same id again (`id`), and the agent's name when the caller may see it. */
  id: z.string(),
  name: z.string().nullable(),
  ok: z.boolean(),
  /** not_found, forbidden, conflict, broker_unavailable… when not ok. */
  code: z.string().optional(),
  error: z.string().optional(),
  /** 202: accepted and still on its way (a stop or restart in flight, a message waiting for its agent). */
  pending: z.boolean().optional(),
});
export type BulkResult = z.infer<typeof bulkResultSchema>;
export const bulkSummarySchema = z.object({
  action: z.enum(BULK_ACTIONS),
  total: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  results: z.array(bulkResultSchema),
});
export type BulkSummary = z.infer<typeof bulkSummarySchema>;

/**
 * The access a caller has to an agent for a bulk action: to act (owner, admin) or none.
 * Merge note (issue 12): members who only SEE an agent get "see" here and are reported forbidden.
 */
function accessTo(principal: Principal, agent: Agent, memberProjects: ReadonlySet<string>): "act" | "see" | "none" {
  if (canActOnAgent(principal, agent)) return "act";
  return canSeeAgentIn(principal, agent, memberProjects) ? "see" : "none";
}

/**
 * POST /agents/bulk: one action on many agents, listed by id or matched by the filter (GET
 * /agents's filters, within what the caller sees: "stop all" is a filter). Each agent the caller
 * may act on is acted on, a few at a time (BULK_CONCURRENCY); the others are reported (not_found
 * for agents that do not exist or that the caller cannot see, forbidden for those it sees only)
 * and left alone. One agent failing never stops the others. Progress goes out as
 * `bulk.{bulkId}.progress` events (readable by the caller only), as reset-auth-all reports its
 * own; the answer is the summary with a result per agent, in the order asked. With `dryRun`
 * nothing is done or audited: each agent the call would act on is reported ok, so a confirmation
 * names exactly the agents the real call will touch.
 */
export async function bulkAgents(
  runtime: HubRuntime,
  principal: Extract<Principal, { kind: "user" }>,
  body: BulkAgentsBody,
  requestId?: string,
): Promise<BulkSummary> {
  const { prisma } = runtime;
  const actor = principalId(principal);
  const targets: Array<{ id: string; agent: Agent | null }> = [];
  if (body.ids) {
    const ids = [...new Set(body.ids.map((id) => id.toLowerCase()))];
    const rows = await prisma.agent.findMany({ where: { id: { in: ids } } });
    const byId = new Map(rows.map((a) => [a.id, a]));
    for (const id of ids) targets.push({ id, agent: byId.get(id) ?? null });
  } else {
    const f = body.filter ?? {};
    const where: Prisma.AgentWhereInput = {
      AND: [
        // A filter matches only agents the caller may act on: "stop all" is the hub for an admin, one's own for others.
        isAdmin(principal) ? {} : { ownerId: actor },
        {
          ...(f.mine && { ownerId: actor }),
          ...(f.projectId && { projectId: f.projectId }),
          ...(f.brokerId && { brokerId: f.brokerId }),
          ...(f.phase && { phase: f.phase }),
          ...(f.activity && { activity: f.activity }),
          ...(f.q && {
            OR: [{ name: { contains: f.q, mode: "insensitive" as const } }, { slug: { contains: f.q.toLowerCase() } }],
          }),
        },
      ],
    };
    const rows = await prisma.agent.findMany({
      where,
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: BULK_MAX_AGENTS + 1,
    });
    if (rows.length > BULK_MAX_AGENTS)
      throw new ApiError("validation_error", `The filter matches more than ${BULK_MAX_AGENTS} agents; narrow it.`, {
        max: BULK_MAX_AGENTS,
      });
    for (const agent of rows) targets.push({ id: agent.id, agent });
  }

  // Projects whose agents the caller sees read-only: such an agent listed by id is reported forbidden.
  const memberProjects = body.ids ? await memberProjectIds(prisma, principal) : new Set<string>();
  if (body.dryRun) return previewBulk(principal, body.action, targets, memberProjects);

  await recordAudit(prisma, {
    principal: actor,
    action: `agent.bulk.${body.action}`,
    targetType: "agent",
    details: { count: targets.length, ...(body.ids ? { ids: targets.map((t) => t.id) } : { filter: body.filter }) },
    requestId,
  });

  const results: BulkResult[] = new Array(targets.length);
  let succeeded = 0;
  let failed = 0;
  let next = 0;
  const progress = (last?: BulkResult) =>
    body.bulkId
      ? runtime.events
          .publish({
            subject: `bulk.${body.bulkId}.progress`,
            data: {
              bulkId: body.bulkId,
              principalId: actor,
              action: body.action,
              total: targets.length,
              done: succeeded + failed,
              succeeded,
              failed,
              ...(last && { last }),
            },
          })
          .catch(() => undefined)
      : Promise.resolve();
  await progress();
  const worker = async () => {
    for (let i = next++; i < targets.length; i = next++) {
      const { id, agent } = targets[i]!;
      const result = await actOn(runtime, principal, body, id, agent, memberProjects, requestId);
      results[i] = result;
      if (result.ok) succeeded++;
      else failed++;
      await progress(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, targets.length) }, worker));
  return { action: body.action, total: targets.length, succeeded, failed, results };
}

/** What a bulk call would do, agent by agent, without doing it (`dryRun`). */
function previewBulk(
  principal: Principal,
  action: BulkAgentsBody["action"],
  targets: Array<{ id: string; agent: Agent | null }>,
  memberProjects: ReadonlySet<string>,
): BulkSummary {
  const results = targets.map(({ id, agent }) => refusal(principal, id, agent, memberProjects) ?? okResult(id, agent!));
  const succeeded = results.filter((r) => r.ok).length;
  return { action, total: results.length, succeeded, failed: results.length - succeeded, results };
}

const okResult = (id: string, agent: Agent): BulkResult => ({ agentId: id, id, name: agent.name, ok: true });

/** Why the caller may not act on this agent (not_found when it cannot see it, forbidden when it only sees it); null when it may. */
function refusal(
  principal: Principal,
  id: string,
  agent: Agent | null,
  memberProjects: ReadonlySet<string>,
): BulkResult | null {
  const access = agent ? accessTo(principal, agent, memberProjects) : "none";
  if (!agent || access === "none")
    return { agentId: id, id, name: null, ok: false, code: "not_found", error: "No such agent." };
  if (access !== "act")
    return {
      agentId: id,
      id,
      name: agent.name,
      ok: false,
      code: "forbidden",
      error: "Only the agent's owner or an admin may do this; project members see the agent read-only.",
    };
  return null;
}

async function actOn(
  runtime: HubRuntime,
  principal: Extract<Principal, { kind: "user" }>,
  body: BulkAgentsBody,
  id: string,
  agent: Agent | null,
  memberProjects: ReadonlySet<string>,
  requestId?: string,
): Promise<BulkResult> {
  const refused = refusal(principal, id, agent, memberProjects);
  if (refused || !agent) return refused!;
  const base = { agentId: id, id, name: agent.name };
  const actor = principalId(principal);
  try {
    // The agent as it is now (an earlier result may be minutes old).
    const current = await runtime.prisma.agent.findUnique({ where: { id } });
    if (!current) return { ...base, ok: false, code: "not_found", error: "No such agent." };
    let pending = false;
    if (body.action === "stop" || body.action === "restart") {
      await auditLifecycleRequest(runtime, actor, current, body.action, requestId);
      const outcome =
        body.action === "stop" ? await stopAgent(runtime, current, actor) : await restartAgent(runtime, current, actor);
      pending = outcome.status === 202;
    } else if (body.action === "delete") {
      await deleteAgent(runtime, principal, current, requestId);
    } else {
      const text = (body.body ?? body.text)!;
      const sent = await sendMessage(runtime, principal, current, { body: text, channel: "web" }, requestId);
      pending = sent.status === 202;
    }
    return { ...base, ok: true, ...(pending && { pending: true }) };
  } catch (err) {
    if (err instanceof ApiError) return { ...base, ok: false, code: err.code, error: err.message };
    runtime.logger.error({ err, agentId: id, action: body.action }, "a bulk action failed on one agent");
    return { ...base, ok: false, code: "internal", error: "internal error" };
  }
}
