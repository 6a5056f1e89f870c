import crypto from "node:crypto";
import type pg from "pg";
import type { Agent } from "../db/generated/client";
import type { HubEvent } from "../events/event-bus";
import { ApiError } from "../http/api-error";
import { notificationForChange } from "../notifications/record-notification-event";
import type { HubRuntime } from "../runtime/hub-runtime";
import { sameAgentValue, type AgentChange } from "./change-agent";
import { AGENT_JSON_COLUMNS, AGENT_JSON_ROW_TYPES, agentJsonOf, type AgentJsonRow } from "./list-agents";
import { agentEvents } from "./publish-agent-event";
import type { AgentJson } from "./schemas";
import { toAgentJson } from "./to-agent-json";

/** What one report does to its agent, decided on the locked row. */
export interface StatusDecision {
  /** The state to set (null: nothing); applied only where it differs, as changeAgent does. */
  change: AgentChange | null;
  /** Written even when nothing else changes, without an event. */
  touch: { lastSeen: Date; lastActivityAt?: Date };
  /** Set when this report put the agent over its limits (the reason): the caller stops it. */
  overLimit: string | null;
}

export type Decide = (agent: Agent, now: Date) => StatusDecision;

export interface StatusOutcome {
  agent: Agent;
  overLimit: string | null;
}

interface Item {
  agentId: string;
  decide: Decide;
  /** The tokenVersion of the token the report came with, when no read checked it: a report only counts while it is the agent's. */
  tokenVersion?: number;
  resolve: (outcome: StatusOutcome) => void;
  reject: (err: unknown) => void;
}

/** Reports applied in one transaction at most; more wait for the next one. */
export const MAX_BATCH = 200;

/** Every AgentChange field and its column cast: a field added to AgentChange must be added here (the type says so). */
const CHANGE_COLUMNS = {
  phase: `"AgentPhase"`,
  activity: `"AgentActivity"`,
  detail: "text",
  previousActivity: `"AgentActivity"`,
  brokerId: "uuid",
  ports: "jsonb",
  urls: "jsonb",
  lastActivityAt: "timestamptz",
  startedAt: "timestamptz",
  turnCount: "int",
  sessionStartedAt: "timestamptz",
  lastOutput: "text",
  branch: "text",
  baseBranch: "text",
} satisfies Record<keyof AgentChange, string>;
const WRITTEN = [
  ...(Object.keys(CHANGE_COLUMNS) as Array<keyof AgentChange>),
  "lastSeen",
  "stateVersion",
  "updatedAt",
] as const;
const CASTS: Record<(typeof WRITTEN)[number], string> = {
  ...CHANGE_COLUMNS,
  lastSeen: "timestamptz",
  stateVersion: "int",
  updatedAt: "timestamptz",
};
/** One statement writes every agent of a batch: each column comes in as a text array, cast back. */
const UPDATE_SQL = `UPDATE agents AS a SET ${WRITTEN.map((c) => `"${c}" = v."${c}"::${CASTS[c]}`).join(", ")}
  FROM unnest($1::uuid[], ${WRITTEN.map((_, i) => `$${i + 2}::text[]`).join(", ")}) AS v(id, ${WRITTEN.map((c) => `"${c}"`).join(", ")})
  WHERE a.id = v.id`;
const HISTORY_SQL = `INSERT INTO agent_state_changes (id, "agentId", phase, activity, detail, actor, "createdAt")
  SELECT id, "agentId", phase::"AgentPhase", activity::"AgentActivity", detail, actor, "createdAt"
  FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
    AS t(id, "agentId", phase, activity, detail, actor, "createdAt")`;
const NOTIFICATION_SQL = `INSERT INTO notification_events (id, kind, "agentId", "agentName", "projectId", "ownerId", summary, data, "createdAt")
  SELECT id, kind, "agentId", "agentName", "projectId", "ownerId", summary, data, "createdAt"
  FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::jsonb[], $9::timestamptz[])
    AS t(id, kind, "agentId", "agentName", "projectId", "ownerId", summary, data, "createdAt")`;

/**
 * Pure heartbeats of agents that are neither ended nor offline change nothing but lastSeen: one
 * statement for the lot, taking the row locks in id order as the change batches do. Each comes
 * with the tokenVersion its token was minted for, and only an agent whose version is still that
 * one is touched: the statement is also the check that the token was not superseded (a row
 * updated meanwhile is checked again as it is locked), so a heartbeat needs no read before it.
 * Agents it leaves out (ended, offline, superseded token, gone) go the long way, which says why.
 * updatedAt stays: it says when the agent last changed, and an unchanged row lets Postgres update
 * it in place (no index touched).
 */
const HEARTBEAT_SQL = `WITH locked AS (
    SELECT a.id FROM agents AS a JOIN unnest($1::uuid[], $2::int[]) AS v(id, tv) ON a.id = v.id
    WHERE a."tokenVersion" = v.tv AND a.phase NOT IN ('stopped', 'error') AND a.activity IS DISTINCT FROM 'offline'
    ORDER BY a.id FOR UPDATE OF a
  ), touched AS (
    UPDATE agents AS a SET "lastSeen" = GREATEST(a."lastSeen", $3::timestamptz)
    FROM locked WHERE a.id = locked.id
    RETURNING a.*
  )
  SELECT ${AGENT_JSON_COLUMNS}, "tokenVersion" FROM touched`;

const batches = new WeakMap<HubRuntime, StatusBatch>();

/** The replica's status batch (one per runtime). */
export function statusBatchFor(runtime: HubRuntime): StatusBatch {
  let batch = batches.get(runtime);
  if (!batch) batches.set(runtime, (batch = new StatusBatch(runtime)));
  return batch;
}

/**
 * Status reports, applied in group commits. A report waits while the transaction before it runs,
 * then goes in with every report that arrived meanwhile: under load a transaction carries many
 * reports (statement and commit costs are shared) and when quiet one, at once. A batch holds at
 * most one report per agent, so an agent's reports apply in the order they arrived, each on the
 * state the one before left; its history rows get strictly increasing times. One transaction takes
 * the batch's row locks (in id order, as every other writer waits on them), writes every agent
 * with one UPDATE, the history and notification events with one INSERT each, and after the commit
 * one NOTIFY statement announces the changes. A report the rules refuse (a phase moving back) fails
 * alone; a database error fails the batch, and nothing of it is written.
 */
export class StatusBatch {
  private queue: Item[] = [];
  private heartbeats: Array<{
    agentId: string;
    tokenVersion: number;
    resolve: (agent: AgentJson | null) => void;
    reject: (err: unknown) => void;
  }> = [];
  private draining = false;
  private lastStamp = 0;

  constructor(private readonly runtime: HubRuntime) {}

  /**
   * A report, decided by `decide` on the agent's locked row. With `tokenVersion`, the version of
   * the token it came with, it is refused (401, nothing written) unless that is still the agent's.
   */
  submit(agentId: string, decide: Decide, tokenVersion?: number): Promise<StatusOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ agentId, decide, tokenVersion, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /**
   * A pure heartbeat from a token minted for `tokenVersion`: the agent's JSON as it is now with
   * lastSeen set (read only as far as the JSON needs: no sealed env, no whole template snapshot),
   * or null, having written nothing, when that version is no longer the agent's, the agent's state
   * must be decided by the rules (it ended, or is offline and comes back) or it is gone.
   */
  heartbeat(agentId: string, tokenVersion: number): Promise<AgentJson | null> {
    return new Promise((resolve, reject) => {
      this.heartbeats.push({ agentId, tokenVersion, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /** One worker, so heartbeat and change batches never wait on each other's row locks. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 || this.heartbeats.length > 0) {
        if (this.heartbeats.length > 0) await this.applyHeartbeats(this.heartbeats.splice(0, MAX_BATCH * 2));
        if (this.queue.length > 0) await this.apply(this.take());
      }
    } finally {
      this.draining = false;
    }
  }

  /** The next batch: reports in arrival order, the first of each agent, at most MAX_BATCH. */
  private take(): Item[] {
    const agents = new Set<string>();
    const batch: Item[] = [];
    const rest: Item[] = [];
    for (const item of this.queue) {
      if (batch.length < MAX_BATCH && !agents.has(item.agentId)) {
        agents.add(item.agentId);
        batch.push(item);
      } else rest.push(item);
    }
    this.queue = rest;
    return batch;
  }

  /** The batch's time: now, or a millisecond after the last batch's, so an agent's history never ties. */
  private stamp(): Date {
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 1);
    return new Date(this.lastStamp);
  }

  private async applyHeartbeats(batch: StatusBatch["heartbeats"]): Promise<void> {
    try {
      const pairs = new Map(batch.map((h) => [`${h.agentId} ${h.tokenVersion}`, h]));
      const heartbeats = [...pairs.values()];
      const { rows } = await this.runtime.db.pool.query<AgentJsonRow & { tokenVersion: number }>({
        text: HEARTBEAT_SQL,
        values: [heartbeats.map((h) => h.agentId), heartbeats.map((h) => h.tokenVersion), new Date()],
        types: AGENT_JSON_ROW_TYPES,
      });
      const touched = new Map(rows.map((r) => [`${r.id} ${r.tokenVersion}`, r]));
      const json = new Map<AgentJsonRow, AgentJson>();
      for (const h of batch) {
        const row = touched.get(`${h.agentId} ${h.tokenVersion}`);
        if (row && !json.has(row)) json.set(row, agentJsonOf(row));
        h.resolve(row ? json.get(row)! : null);
      }
    } catch (err) {
      for (const h of batch) h.reject(err);
    }
  }

  private async apply(batch: Item[]): Promise<void> {
    const now = this.stamp();
    let client: pg.PoolClient | undefined;
    let applied: Array<{ item: Item; outcome: StatusOutcome; changed: boolean }>;
    try {
      client = await this.runtime.db.pool.connect();
      await client.query("BEGIN");
      applied = await this.write(client, batch, now);
      await client.query("COMMIT");
      client.release();
    } catch (err) {
      if (client) {
        await client.query("ROLLBACK").catch(() => undefined);
        client.release(err as Error);
      }
      for (const item of batch) item.reject(err);
      return;
    }
    const events: HubEvent[] = applied.flatMap(({ outcome, changed }) =>
      changed ? agentEvents("status", toAgentJson(outcome.agent)) : [],
    );
    await this.runtime.events
      .publishMany(events)
      .catch((err: Error) =>
        this.runtime.logger.warn({ err: err.message, events: events.length }, "announcing status changes failed"),
      );
    for (const { item, outcome } of applied) item.resolve(outcome);
  }

  /** Inside the transaction: locks, decides each report, writes; reports refused are rejected here. */
  private async write(
    client: pg.PoolClient,
    batch: Item[],
    now: Date,
  ): Promise<Array<{ item: Item; outcome: StatusOutcome; changed: boolean }>> {
    const { rows } = await client.query<Agent>(
      `SELECT * FROM agents WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [batch.map((i) => i.agentId)],
    );
    const current = new Map(rows.map((r) => [r.id, r]));
    const applied: Array<{ item: Item; outcome: StatusOutcome; changed: boolean }> = [];
    const history: Agent[] = [];
    const notifications: Array<{ agent: Agent; kind: string; summary: string; data: unknown }> = [];
    for (const item of batch) {
      const agent = current.get(item.agentId);
      if (item.tokenVersion !== undefined && agent?.tokenVersion !== item.tokenVersion) {
        // As authenticate says of a superseded token, or of one whose agent is gone.
        item.reject(new ApiError("unauthorized", "The credentials are invalid or expired."));
        continue;
      }
      if (!agent) {
        item.reject(new ApiError("not_found", "No such agent."));
        continue;
      }
      let decision: StatusDecision;
      try {
        decision = item.decide(agent, now);
      } catch (err) {
        item.reject(err);
        continue;
      }
      const { change, touch, overLimit } = decision;
      const changed =
        change !== null &&
        Object.entries(change).some(([k, v]) => !sameAgentValue(agent[k as keyof Agent], v as unknown));
      const updated: Agent = {
        ...agent,
        ...(changed ? change : {}),
        ...touch,
        updatedAt: changed ? now : agent.updatedAt,
        stateVersion: changed ? agent.stateVersion + 1 : agent.stateVersion,
      };
      if (updated.phase !== agent.phase || updated.activity !== agent.activity || updated.detail !== agent.detail) {
        history.push(updated);
        const notification = notificationForChange(agent, updated);
        if (notification)
          notifications.push({
            agent: updated,
            kind: notification.kind,
            summary: notification.summary.slice(0, 1000),
            data: notification.data ?? {},
          });
      }
      applied.push({ item, outcome: { agent: updated, overLimit }, changed });
    }
    if (applied.length === 0) return applied;
    const agents = applied.map((a) => a.outcome.agent);
    await client.query(UPDATE_SQL, [agents.map((a) => a.id), ...WRITTEN.map((c) => agents.map((a) => asText(a[c])))]);
    if (history.length > 0)
      await client.query(HISTORY_SQL, [
        history.map(() => crypto.randomUUID()),
        history.map((a) => a.id),
        history.map((a) => a.phase),
        history.map((a) => a.activity),
        history.map((a) => a.detail),
        history.map((a) => `agent:${a.id}`),
        history.map(() => now),
      ]);
    if (notifications.length > 0)
      await client.query(NOTIFICATION_SQL, [
        notifications.map(() => crypto.randomUUID()),
        notifications.map((n) => n.kind),
        notifications.map((n) => n.agent.id),
        notifications.map((n) => n.agent.name),
        notifications.map((n) => n.agent.projectId),
        notifications.map((n) => n.agent.ownerId),
        notifications.map((n) => n.summary),
        notifications.map((n) => JSON.stringify(n.data)),
        notifications.map(() => now),
      ]);
    return applied;
  }
}

/** A column value as the text its cast reads back (null stays null). */
function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
