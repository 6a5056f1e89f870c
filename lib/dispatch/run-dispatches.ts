import { callBroker } from "../brokers/channel/call-broker";
import { ApiError } from "../http/api-error";
import { flushPendingMessages } from "../messages/deliver-message";
import { openDispatchArgs, type StoredDispatchArgs } from "./dispatch-args";
import type { HubRuntime } from "../runtime/hub-runtime";

const LOCAL_SWEEP_MS = 15_000;

/**
 * The owner's side of route(): this replica runs the intents written for brokers it holds. It
 * listens for `dispatch.new.<hubId>` (and `dispatch.messages.<hubId>`, a nudge to type an
 * agent's pending messages), drains a broker as soon as this replica claims it
 * (`runtime.brokerClaimed`), and every 15 s sweeps what a lost notification may have left.
 * Returns the stop function.
 */
export function startDispatchExecutor(runtime: HubRuntime): () => void {
  const onClaimed = (brokerId: string) => void drainClaimedBroker(runtime, brokerId);
  runtime.brokerClaimed.add(onClaimed);
  // A broker claimed between the runtime's creation and this start was not drained on claim.
  if (runtime.brokers.size) void sweepLocal(runtime);
  const unsubscribe = runtime.events.subscribe(
    [`dispatch.new.${runtime.hubId}`, `dispatch.messages.${runtime.hubId}`],
    (delivery) => {
      if (delivery.kind === "resync") return void sweepLocal(runtime);
      const data = delivery.event.data as { id?: unknown; agentId?: unknown };
      if (delivery.event.subject.startsWith("dispatch.new.") && typeof data.id === "string")
        void runDispatch(runtime, data.id);
      else if (typeof data.agentId === "string") void flushPendingMessages(runtime, data.agentId);
    },
  );
  const timer = setInterval(() => void sweepLocal(runtime), LOCAL_SWEEP_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    unsubscribe();
    runtime.brokerClaimed.delete(onClaimed);
  };
}

/** Whatever other replicas wrote for a broker while it was away runs once this replica claims it. */
async function drainClaimedBroker(runtime: HubRuntime, brokerId: string): Promise<void> {
  const { logger } = runtime;
  await drainBroker(runtime, brokerId).then(
    ({ intents, agents }) =>
      (intents || agents) && logger.info({ brokerId, intents, agents }, "drained pending work for a broker"),
    (err: unknown) => logger.warn({ err, brokerId }, "draining a broker's pending work failed"),
  );
}

/**
 * Claims one intent (pending → in_progress, compare-and-set, so exactly one replica runs it),
 * runs it on the broker, and completes or fails it (guarded on in_progress by this replica).
 * If this replica no longer holds the broker, the intent goes back to pending for the replica
 * that does (it drains on connect). Returns whether it ran the intent.
 */
export async function runDispatch(runtime: HubRuntime, id: string): Promise<boolean> {
  const { db, hubId, metrics, logger, events } = runtime;
  try {
    const { rows } = await db.pool.query<{ brokerId: string; op: string; args: StoredDispatchArgs }>(
      `UPDATE broker_dispatches SET state = 'in_progress', "claimedBy" = $2, "claimedAt" = now(), attempts = attempts + 1, "updatedAt" = now()
        WHERE id = $1::uuid AND state = 'pending' AND "deadlineAt" > now()
        RETURNING "brokerId"::text AS "brokerId", op, args`,
      [id, hubId],
    );
    const claimed = rows[0];
    if (!claimed) return false;
    if (!runtime.brokers.has(claimed.brokerId)) {
      await db.pool.query(
        `UPDATE broker_dispatches SET state = 'pending', "claimedBy" = NULL, "claimedAt" = NULL, "updatedAt" = now() WHERE id = $1::uuid AND state = 'in_progress' AND "claimedBy" = $2`,
        [id, hubId],
      );
      return false;
    }
    metrics.dispatchClaimed.inc();
    let state: "done" | "failed";
    try {
      const args = openDispatchArgs(runtime.sessionSecret, claimed.args);
      const result = await callBroker(runtime, claimed.brokerId, claimed.op, args, claimed.args.timeoutMs ?? undefined);
      // Done or failed, the arguments go: nothing needs them any more, and they may hold a token.
      await db.pool.query(
        `UPDATE broker_dispatches SET state = 'done', result = $3::jsonb, args = '{}'::jsonb, "updatedAt" = now() WHERE id = $1::uuid AND state = 'in_progress' AND "claimedBy" = $2`,
        [id, hubId, JSON.stringify(result ?? null)],
      );
      state = "done";
      metrics.dispatchDone.inc();
    } catch (err) {
      const error =
        err instanceof ApiError || (err instanceof Error && "code" in err)
          ? { code: String((err as { code: unknown }).code), message: err.message }
          : { code: "internal", message: (err as Error).message };
      await db.pool.query(
        `UPDATE broker_dispatches SET state = 'failed', error = $3, args = '{}'::jsonb, "updatedAt" = now() WHERE id = $1::uuid AND state = 'in_progress' AND "claimedBy" = $2`,
        [id, hubId, JSON.stringify(error)],
      );
      state = "failed";
      metrics.dispatchFailed.inc();
    }
    await events.publish({ subject: `dispatch.done.${id}`, data: { id, state } }).catch(() => undefined);
    return true;
  } catch (err) {
    logger.warn({ err, dispatchId: id }, "running a dispatch failed");
    return false;
  }
}

/**
 * On connect: everything pending for the broker this replica just claimed — intents in the
 * order they were written (including those a replica that lost the broker left in progress),
 * then the pending messages of its running agents.
 */
export async function drainBroker(runtime: HubRuntime, brokerId: string): Promise<{ intents: number; agents: number }> {
  const started = performance.now();
  // Intents another replica was running when it lost this broker cannot finish there (its
  // channel is gone, and its guarded completion will not match any more). Every broker
  // operation is idempotent (start returns the running agent, stop and delete of a stopped one
  // do nothing), so running them again here finishes them with one effect.
  const { rows: reclaimed } = await runtime.db.pool.query<{ id: string }>(
    `UPDATE broker_dispatches SET state = 'pending', "claimedBy" = NULL, "claimedAt" = NULL, "updatedAt" = now()
      WHERE "brokerId" = $1::uuid AND state = 'in_progress' AND "claimedBy" IS DISTINCT FROM $2 AND "deadlineAt" > now()
      RETURNING id::text AS id`,
    [brokerId, runtime.hubId],
  );
  if (reclaimed.length)
    runtime.logger.info(
      { brokerId, intents: reclaimed.length },
      "took over intents another replica was running for this broker",
    );
  const { rows } = await runtime.db.pool.query<{ id: string }>(
    `SELECT id::text AS id FROM broker_dispatches WHERE "brokerId" = $1::uuid AND state = 'pending' AND "deadlineAt" > now() ORDER BY "createdAt"`,
    [brokerId],
  );
  let intents = 0;
  for (const { id } of rows) if (await runDispatch(runtime, id)) intents++;
  const agents = await runtime.db.pool.query<{ agentId: string }>(
    `SELECT DISTINCT m."agentId"::text AS "agentId" FROM messages m JOIN agents a ON a.id = m."agentId" WHERE a."brokerId" = $1::uuid AND a.phase = 'running' AND m."dispatchState" = 'pending'`,
    [brokerId],
  );
  for (const { agentId } of agents.rows) await flushPendingMessages(runtime, agentId);
  runtime.metrics.drainDuration.observe((performance.now() - started) / 1000);
  return { intents, agents: agents.rows.length };
}

/** What a lost notification may have left for the brokers this replica holds. */
async function sweepLocal(runtime: HubRuntime): Promise<void> {
  for (const brokerId of runtime.brokers.keys()) await drainBroker(runtime, brokerId).catch(() => undefined);
}
