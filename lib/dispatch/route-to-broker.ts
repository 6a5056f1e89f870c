import { brokerApiError } from "../brokers/broker-error";
import { callBroker } from "../brokers/channel/call-broker";
import { sealDispatchArgs } from "./dispatch-args";
import { withTransaction } from "../db/with-transaction";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";
import { REPLICA_STALE_MS } from "./replicas";
import { runDispatch } from "./run-dispatches";

/** A broker whose last heartbeat is older than this is not trusted to be reachable. */
export const BROKER_STALE_MS = 90_000;
/** How long a forwarded call waits without any news (an agent status event resets it). */
export const DISPATCH_IDLE_WAIT_MS = 90_000;
const POLL_MS = 1000;

export type Route =
  { kind: "local" } | { kind: "forward"; ownerHubId: string } | { kind: "undeliverable"; reason: string };

/**
 * Where a call for a broker goes: `local` when this replica holds its control channel;
 * `forward` when another replica that is alive holds it (claimed by affinity, heartbeat fresh,
 * the replica's own row fresh); otherwise `undeliverable`.
 */
export async function routeFor(runtime: HubRuntime, brokerId: string): Promise<Route> {
  if (runtime.brokers.has(brokerId)) return { kind: "local" };
  const { rows } = await runtime.db.pool.query<{ owner: string | null; fresh: boolean; alive: boolean }>(
    `SELECT b."connectedHubId" AS owner,
            (b.status = 'online' AND b."lastHeartbeat" > now() - ($2::int * interval '1 millisecond')) AS fresh,
            EXISTS (SELECT 1 FROM hub_replicas r WHERE r.id = b."connectedHubId" AND r."lastSeenAt" > now() - ($3::int * interval '1 millisecond')) AS alive
       FROM runtime_brokers b WHERE b.id = $1::uuid`,
    [brokerId, BROKER_STALE_MS, REPLICA_STALE_MS],
  );
  const row = rows[0];
  if (!row) return { kind: "undeliverable", reason: "The runtime broker no longer exists." };
  if (!row.owner || !row.fresh)
    return { kind: "undeliverable", reason: "The runtime broker is not connected to any hub replica." };
  if (row.owner === runtime.hubId)
    return {
      kind: "undeliverable",
      reason: "The runtime broker's connection to this replica has just closed; it reconnects by itself.",
    };
  if (!row.alive)
    return { kind: "undeliverable", reason: "The hub replica holding the runtime broker is not answering." };
  return { kind: "forward", ownerHubId: row.owner };
}

/** 503 before anything is written, when no replica can reach the broker. */
export async function requireReachable(
  runtime: HubRuntime,
  brokerId: string,
): Promise<Exclude<Route, { kind: "undeliverable" }>> {
  const route = await routeFor(runtime, brokerId);
  if (route.kind === "undeliverable") throw new ApiError("broker_unavailable", route.reason);
  return route;
}

export interface DispatchRequest {
  brokerId: string;
  agentId?: string;
  op: string;
  args: unknown;
  /** How long the broker itself may take (the local call's timeout). */
  timeoutMs?: number;
  actor: string;
  /**
   * A read that changes nothing (a screen, a log step): its forwarded intent is deleted once
   * answered, so a panel that polls does not leave a row behind every second.
   */
  ephemeral?: boolean;
}

/**
 * route(): sends an operation to a broker wherever its control channel is. Local: a direct call,
 * no intent row, no wait. Forward: a BrokerDispatch intent is written and the owner replica is
 * signalled in the same transaction; the owner claims it (pending → in_progress), runs it and
 * completes or fails it; this call waits for the outcome with a rolling timeout (reset by every
 * status event of the agent) and answers what the broker answered. Undeliverable: 503.
 */
export async function dispatchToBroker(runtime: HubRuntime, req: DispatchRequest): Promise<unknown> {
  const route = await requireReachable(runtime, req.brokerId);
  if (route.kind === "local") return callBroker(runtime, req.brokerId, req.op, req.args, req.timeoutMs);
  return forward(runtime, route.ownerHubId, req);
}

async function forward(runtime: HubRuntime, ownerHubId: string, req: DispatchRequest): Promise<unknown> {
  const { db, metrics } = runtime;
  const started = performance.now();
  const id = await writeDispatchIntent(runtime, ownerHubId, req);
  metrics.dispatchPublished.inc();

  const outcome = await waitForOutcome(runtime, id, req.brokerId, req.agentId);
  metrics.dispatchLatency.observe({ outcome: outcome.state }, (performance.now() - started) / 1000);
  if (req.ephemeral && outcome.state !== "timeout")
    await db.pool.query(`DELETE FROM broker_dispatches WHERE id = $1::uuid`, [id]).catch(() => undefined);
  if (outcome.state === "done") return outcome.result;
  if (outcome.state === "failed") {
    const error = parseError(outcome.error);
    throw brokerApiError(error.code, error.message);
  }
  // No news for the whole rolling wait: give the intent up so it is not run late.
  const { rowCount } = await db.pool.query(
    `UPDATE broker_dispatches SET state = 'failed', error = $2, args = '{}'::jsonb, "updatedAt" = now() WHERE id = $1::uuid AND state = 'pending'`,
    [id, JSON.stringify({ code: "timeout", message: "no replica claimed it in time" })],
  );
  throw new ApiError(
    "broker_unavailable",
    rowCount
      ? "The replica holding the runtime broker did not take the call in time."
      : "The runtime broker did not answer in time.",
  );
}

/**
 * Writes the durable intent and signals the owner replica in one transaction. The arguments are
 * sealed (a start carries the agent's env and token; the owner opens them to run the intent) and
 * dropped once it is done or failed, so the table never holds them in clear.
 */
export async function writeDispatchIntent(
  runtime: HubRuntime,
  ownerHubId: string,
  req: DispatchRequest,
): Promise<string> {
  const { db, events } = runtime;
  const deadline = new Date(Date.now() + Math.max(req.timeoutMs ?? 30_000, DISPATCH_IDLE_WAIT_MS) + 30_000);
  const args = sealDispatchArgs(runtime.sessionSecret, req.args, req.timeoutMs);
  return withTransaction(db.pool, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO broker_dispatches (id, "brokerId", "agentId", op, args, state, "deadlineAt", "createdBy", "createdAt", "updatedAt")
       VALUES (gen_random_uuid(), $1::uuid, $2::uuid, $3, $4::jsonb, 'pending', $5, $6, now(), now()) RETURNING id::text AS id`,
      [req.brokerId, req.agentId ?? null, req.op, JSON.stringify(args), deadline, req.actor],
    );
    const id = rows[0]!.id;
    if (!events.publishIn) throw new Error("this hub's event bus cannot signal other replicas");
    await events.publishIn(client, { subject: `dispatch.new.${ownerHubId}`, data: { id } });
    return id;
  });
}

interface Outcome {
  state: "done" | "failed" | "timeout";
  result?: unknown;
  error?: string | null;
}

/**
 * Waits for the intent's end: its done event, or the row (polled, in case an event was lost).
 * If the broker has meanwhile connected to this very replica (its owner died), the intent is
 * run here rather than left for the next sweep.
 */
function waitForOutcome(
  runtime: HubRuntime,
  id: string,
  brokerId: string,
  agentId: string | undefined,
): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    let finished = false;
    let idle: NodeJS.Timeout;
    const finish = (o: Outcome) => {
      if (finished) return;
      finished = true;
      clearTimeout(idle);
      clearInterval(poll);
      unsubscribe();
      resolve(o);
    };
    const check = async () => {
      const { rows } = await runtime.db.pool.query<{ state: string; result: unknown; error: string | null }>(
        `SELECT state::text AS state, result, error FROM broker_dispatches WHERE id = $1::uuid`,
        [id],
      );
      const row = rows[0];
      if (!row)
        return finish({
          state: "failed",
          error: JSON.stringify({ code: "conflict", message: "the dispatch disappeared" }),
        });
      if (row.state === "done") finish({ state: "done", result: row.result });
      else if (row.state === "failed") finish({ state: "failed", error: row.error });
      else if (row.state === "pending" && runtime.brokers.has(brokerId)) void runDispatch(runtime, id);
    };
    const rearm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => void check().finally(() => finish({ state: "timeout" })), DISPATCH_IDLE_WAIT_MS);
    };
    const unsubscribe = runtime.events.subscribe(
      [`dispatch.done.${id}`, ...(agentId ? [`agent.${agentId}.status`] : [])],
      (delivery) => {
        if (delivery.kind === "resync") return void check().catch(() => undefined);
        if (delivery.event.subject.startsWith("dispatch.done.")) void check().catch(() => undefined);
        else rearm();
      },
    );
    const poll = setInterval(() => void check().catch(() => undefined), POLL_MS);
    rearm();
    void check().catch(() => undefined);
  });
}

function parseError(text: string | null | undefined): { code: string; message: string } {
  try {
    const parsed = JSON.parse(text ?? "") as { code?: string; message?: string };
    return { code: parsed.code ?? "conflict", message: parsed.message ?? "the broker reported an error" };
  } catch {
    return { code: "conflict", message: text || "the broker reported an error" };
  }
}
