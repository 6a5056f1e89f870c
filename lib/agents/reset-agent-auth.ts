import { mintAgentToken } from "../auth/agent-token";
import { recordAudit } from "../audit/record-audit";
import { requireReachable, dispatchToBroker } from "../dispatch/route-to-broker";
import type { Agent } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";
import { AGENT_JSON_COLUMNS, AGENT_JSON_ROW_TYPES, agentJsonOf, type AgentJsonRow } from "./list-agents";
import { agentEvents, publishAgentEvent } from "./publish-agent-event";
import { toAgentJson } from "./to-agent-json";

export interface ResetAuthResult {
  agentId: string;
  ok: boolean;
  /** Whether the shim was told (SIGUSR2) to re-read its token file now. */
  signalled: boolean;
  error?: string;
  warning?: string;
}

/**
 * Reset-auth for one running agent: bumps the agent's tokenVersion (every token it held stops
 * working on every replica at once), mints a fresh token, and has the broker write it into the
 * agent's token file and signal the shim. The revocation comes first on purpose: a reset is
 * asked for when a token may have leaked. A signal that fails is a warning (the shim reads the
 * file at its next refresh); a broker that cannot write the file is a failure, and the agent
 * needs a restart to get a token again.
 */
export async function resetAgentAuth(
  runtime: HubRuntime,
  agent: Pick<Agent, "id" | "phase" | "brokerId">,
  actor: string,
  requestId?: string,
): Promise<ResetAuthResult> {
  if (agent.phase !== "running")
    throw new ApiError("conflict", `Reset auth needs a running agent; this one is ${agent.phase}.`);
  if (!agent.brokerId) throw new ApiError("no_runtime_broker", "The agent is not placed on a runtime broker.");
  await requireReachable(runtime, agent.brokerId);
  const bumped = await runtime.prisma.$transaction(async (tx) => {
    const updated = await tx.agent.update({ where: { id: agent.id }, data: { tokenVersion: { increment: 1 } } });
    await recordAudit(tx, {
      principal: actor,
      action: "agent.reset-auth",
      targetType: "agent",
      targetId: agent.id,
      details: { tokenVersion: updated.tokenVersion },
      requestId,
    });
    return updated;
  });
  const { token } = await mintAgentToken(runtime.sessionSecret, bumped);
  try {
    const answer = (await dispatchToBroker(runtime, {
      brokerId: agent.brokerId,
      agentId: agent.id,
      op: "agent.reset-auth",
      args: { agentId: agent.id, token },
      timeoutMs: 15_000,
      actor,
    })) as { signalled?: boolean; warning?: string };
    await publishAgentEvent(runtime.events, "status", toAgentJson(bumped));
    return {
      agentId: agent.id,
      ok: true,
      signalled: answer.signalled === true,
      ...(answer.warning && { warning: answer.warning }),
    };
  } catch (err) {
    return { agentId: agent.id, ok: false, signalled: false, error: (err as Error).message };
  }
}

/** Agents of one broker reset with one statement and one broker call (reset-auth-all's chunks). */
export const RESET_AUTH_CHUNK = 25;

/**
 * One statement for a chunk: locks the agents still running (in id order, as every writer of
 * agents does), bumps their tokenVersion and records an audit row for each, atomically.
 */
const BUMP_SQL = `WITH locked AS (
    SELECT id FROM agents WHERE id = ANY($1::uuid[]) AND phase = 'running' ORDER BY id FOR UPDATE
  ), bumped AS (
    UPDATE agents AS a SET "tokenVersion" = a."tokenVersion" + 1, "updatedAt" = now()
    FROM locked WHERE a.id = locked.id
    RETURNING a.*
  ), audited AS (
    INSERT INTO audit_events (id, principal, action, "targetType", "targetId", result, details, "requestId", "createdAt")
    SELECT gen_random_uuid(), $2, 'agent.reset-auth', 'agent', bumped.id::text, 'ok',
      jsonb_build_object('tokenVersion', bumped."tokenVersion"), $3, now()
    FROM bumped
  )
  SELECT ${AGENT_JSON_COLUMNS}, "tokenVersion" FROM bumped`;

/**
 * Reset-auth for up to RESET_AUTH_CHUNK running agents of one broker, as resetAgentAuth does for
 * one, with the per-agent costs shared: one statement revokes every token (and writes the audit
 * rows), one broker call (`agent.reset-auth-many`, the broker working `concurrency` agents at a
 * time) delivers the new ones, one NOTIFY announces them. A broker that predates that operation
 * gets one `agent.reset-auth` per agent instead. Results come in the order of `agentIds`; one
 * agent failing never fails the others.
 */
export async function resetAgentsAuth(
  runtime: HubRuntime,
  brokerId: string,
  agentIds: string[],
  actor: string,
  opts: { requestId?: string; concurrency?: number } = {},
): Promise<ResetAuthResult[]> {
  const failAll = (error: string) => agentIds.map((agentId) => ({ agentId, ok: false, signalled: false, error }));
  try {
    await requireReachable(runtime, brokerId);
  } catch (err) {
    return failAll((err as Error).message);
  }
  const { rows } = await runtime.db.pool.query<AgentJsonRow & { tokenVersion: number }>({
    text: BUMP_SQL,
    values: [agentIds, actor, opts.requestId ?? null],
    types: AGENT_JSON_ROW_TYPES,
  });
  const items = await Promise.all(
    rows.map(async (r) => ({ agentId: r.id, token: (await mintAgentToken(runtime.sessionSecret, r)).token })),
  );
  const answers = new Map<string, ResetAuthResult>();
  if (items.length > 0) {
    const concurrency = Math.max(1, Math.min(opts.concurrency ?? 8, items.length));
    for (const answer of await deliverTokens(runtime, brokerId, items, concurrency, actor))
      answers.set(answer.agentId, answer);
    await runtime.events
      .publishMany(rows.flatMap((r) => agentEvents("status", agentJsonOf(r))))
      .catch((err: Error) => runtime.logger.warn({ err: err.message }, "announcing reset-auth changes failed"));
  }
  return agentIds.map(
    (agentId) =>
      answers.get(agentId) ?? {
        agentId,
        ok: false,
        signalled: false,
        error: "Reset auth needs a running agent; this one is no longer running.",
      },
  );
}

type BrokerResetAnswer = { agentId: string; ok: boolean; signalled?: boolean; warning?: string; error?: string };

/** The new tokens to the broker in one call, or (a broker without it) one call per agent. */
async function deliverTokens(
  runtime: HubRuntime,
  brokerId: string,
  items: Array<{ agentId: string; token: string }>,
  concurrency: number,
  actor: string,
): Promise<ResetAuthResult[]> {
  const asResult = (a: BrokerResetAnswer): ResetAuthResult => ({
    agentId: a.agentId,
    ok: a.ok,
    signalled: a.ok && a.signalled === true,
    ...(a.warning && { warning: a.warning }),
    ...(a.error && { error: a.error }),
  });
  try {
    const answer = (await dispatchToBroker(runtime, {
      brokerId,
      op: "agent.reset-auth-many",
      args: { items, concurrency },
      timeoutMs: 15_000 + 500 * items.length,
      actor,
    })) as { results: BrokerResetAnswer[] };
    return answer.results.map(asResult);
  } catch (err) {
    const unsupported = (err as { details?: { brokerCode?: string } }).details?.brokerCode === "unsupported";
    if (!unsupported)
      return items.map(({ agentId }) => asResult({ agentId, ok: false, error: (err as Error).message }));
  }
  const results: ResetAuthResult[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) {
      const { agentId, token } = items[i]!;
      try {
        const answer = (await dispatchToBroker(runtime, {
          brokerId,
          agentId,
          op: "agent.reset-auth",
          args: { agentId, token },
          timeoutMs: 15_000,
          actor,
        })) as { signalled?: boolean; warning?: string };
        results[i] = asResult({ agentId, ok: true, ...answer });
      } catch (err) {
        results[i] = asResult({ agentId, ok: false, error: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}
