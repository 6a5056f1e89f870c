import crypto from "node:crypto";
import pg from "pg";
import type { Logger } from "../log/create-logger";
import type { EventBus, EventDelivery, HubEvent } from "./event-bus";
import { MemoryEventBus } from "./memory-event-bus";

export const EVENT_CHANNEL = "scion_events";
/** NOTIFY payloads are limited to 8,000 bytes; larger events travel by reference. */
export const INLINE_LIMIT = 7500;
const ECHO_WAIT_MS = 2000;
const SEEN_LIMIT = 4096;
/** Payloads NOTIFYed by one statement at most (each up to INLINE_LIMIT bytes). */
const SEND_BATCH = 500;

/** What goes over NOTIFY: the event itself, or a reference to its row in event_payloads. */
type Wire = { id: string; hub: string; subject: string; data?: unknown; ref?: string };

/** Payloads waiting in the send queue: ready, or still being stored (a large event's row). */
interface QueuedSend {
  payloads?: string[];
  pending?: Promise<string[]>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A SQL executor that may be a transaction (Prisma's or a pg client). */
export type NotifyExecutor =
  | { query(sql: string, params: unknown[]): Promise<unknown> }
  | { $executeRawUnsafe(sql: string, ...params: unknown[]): Promise<unknown> };

export interface PostgresEventBusOptions {
  connectionString: string;
  pool: pg.Pool;
  hubId: string;
  logger: Logger;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  onReconnect?: () => void;
}

/**
 * Events across replicas over Postgres LISTEN/NOTIFY. One dedicated connection LISTENs and fans
 * every notification out through an in-process bus (bounded queues, resync on overflow). A
 * publish resolves once its own notification has come back, so local subscribers have it when
 * the caller continues, exactly as with the in-memory bus; when the listener is down it delivers
 * locally at once. Payloads over ~7.5 KB are stored in event_payloads and sent by reference.
 * `publishIn(tx, …)` joins the caller's transaction: a rollback announces nothing. The listener
 * reconnects with jittered backoff, LISTENs again and tells every subscriber to resync, since
 * notifications sent while it was away are lost.
 */
export class PostgresEventBus implements EventBus {
  private readonly local = new MemoryEventBus();
  private client: pg.Client | undefined;
  private connected = false;
  private closed = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private echoes = new Map<string, () => void>();
  private seen = new Set<string>();
  private firstConnect: Promise<void>;
  private resolveFirst!: () => void;
  reconnects = 0;

  constructor(private readonly opts: PostgresEventBusOptions) {
    this.firstConnect = new Promise((r) => (this.resolveFirst = r));
    void this.connect();
  }

  /** Resolves once the listener has connected the first time (or after `timeoutMs`). */
  ready(timeoutMs = 10_000): Promise<boolean> {
    return Promise.race([
      this.firstConnect.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref()),
    ]);
  }

  get isListening(): boolean {
    return this.connected;
  }

  subscribe(patterns: string[], onDelivery: (d: EventDelivery) => void, options?: { queueLimit?: number }): () => void {
    return this.local.subscribe(patterns, onDelivery, options);
  }

  async publish(event: HubEvent): Promise<void> {
    if (this.closed) throw new Error("event bus is closed");
    const id = crypto.randomUUID();
    // Queued now, in the order of the calls, even while a large payload is still being stored.
    const sent = this.enqueue([this.toWire(id, event, this.opts.pool)]);
    if (!this.connected) {
      // Deliver here now; other replicas still get the NOTIFY.
      this.deliverOnce(id, event);
      await sent.catch((err: Error) =>
        this.opts.logger.warn({ err: err.message, subject: event.subject }, "publishing an event failed"),
      );
      return;
    }
    const echoed = new Promise<void>((resolve) => this.echoes.set(id, resolve));
    await sent.catch((err: unknown) => {
      this.echoes.delete(id);
      throw err;
    });
    const timer = setTimeout(() => this.echoes.get(id)?.(), ECHO_WAIT_MS);
    await echoed;
    clearTimeout(timer);
    this.echoes.delete(id);
    // Not back within the wait (listener stalled): deliver locally; a late echo is dropped.
    this.deliverOnce(id, event);
  }

  /**
   * Publishes events in order, together (one statement unless the send queue splits them), then
   * waits for their echoes as `publish` does; with the listener down they are delivered here at once.
   */
  async publishMany(events: HubEvent[]): Promise<void> {
    if (this.closed) throw new Error("event bus is closed");
    if (events.length === 0) return;
    const ids = events.map(() => crypto.randomUUID());
    const sent = this.enqueue(events.map((event, i) => this.toWire(ids[i]!, event, this.opts.pool)));
    if (!this.connected) {
      ids.forEach((id, i) => this.deliverOnce(id, events[i]!));
      await sent.catch((err: Error) =>
        this.opts.logger.warn({ err: err.message, events: events.length }, "publishing events failed"),
      );
      return;
    }
    const echoed = ids.map((id) => new Promise<void>((resolve) => this.echoes.set(id, resolve)));
    await sent.catch((err: unknown) => {
      for (const id of ids) this.echoes.delete(id);
      throw err;
    });
    const timer = setTimeout(() => ids.forEach((id) => this.echoes.get(id)?.()), ECHO_WAIT_MS);
    await Promise.all(echoed);
    clearTimeout(timer);
    ids.forEach((id, i) => {
      this.echoes.delete(id);
      this.deliverOnce(id, events[i]!);
    });
  }

  /** Publishes as part of the caller's transaction: delivered on commit, never after a rollback. */
  async publishIn(tx: NotifyExecutor, event: HubEvent): Promise<void> {
    const payload = await this.toWire(crypto.randomUUID(), event, tx);
    await run(tx, `SELECT pg_notify($1, $2)`, [EVENT_CHANNEL, payload]);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const resolve of this.echoes.values()) resolve();
    this.echoes.clear();
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    await client?.end().catch(() => undefined);
    await this.local.close();
  }

  /**
   * The NOTIFY payload of an event: the wire JSON, or, when that is over INLINE_LIMIT, a
   * reference to the event stored in event_payloads (with `exec`) first.
   */
  private toWire(id: string, event: HubEvent, exec: NotifyExecutor): string | Promise<string> {
    const inline = JSON.stringify({
      id,
      hub: this.opts.hubId,
      subject: event.subject,
      data: event.data,
    } satisfies Wire);
    if (Buffer.byteLength(inline) <= INLINE_LIMIT) return inline;
    const ref = crypto.randomUUID();
    return run(exec, `INSERT INTO event_payloads (id, subject, data) VALUES ($1::uuid, $2, $3::jsonb)`, [
      ref,
      event.subject,
      JSON.stringify(event.data ?? null),
    ]).then(() => JSON.stringify({ id, hub: this.opts.hubId, subject: event.subject, ref } satisfies Wire));
  }

  /**
   * The send queue, outside transactions: payloads wait while the statement before them runs,
   * then go together, in the order they were queued, in one statement (at most SEND_BATCH
   * payloads each, a payload still being stored holding back those after it). So the events of
   * this replica reach every listener in the order they were published (the pool would otherwise
   * race them over different connections); a quiet replica sends each at once, and a busy one
   * (reset-auth-all's progress, hundreds of events a second) a statement per group instead of a
   * round trip per event. Resolves once the statement carrying these payloads succeeded; a failed
   * statement (or storing a payload) fails what it carried.
   */
  private enqueue(payloads: Array<string | Promise<string>>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (payloads.every((p) => typeof p === "string")) this.queued.push({ payloads, resolve, reject });
      else {
        const pending = Promise.all(payloads);
        // Handled when its turn comes (sendQueued); until then a failed store is not "unhandled".
        pending.catch(() => undefined);
        this.queued.push({ pending, resolve, reject });
      }
      if (!this.sending) {
        this.sending = true;
        void this.sendQueued();
      }
    });
  }

  private queued: QueuedSend[] = [];
  private sending = false;

  private async sendQueued(): Promise<void> {
    while (this.queued.length > 0) {
      const head = this.queued[0]!;
      if (head.pending) {
        try {
          head.payloads = await head.pending;
          head.pending = undefined;
        } catch (err) {
          this.queued.shift();
          head.reject(err);
          continue;
        }
      }
      const group: QueuedSend[] = [];
      let size = 0;
      for (const next of this.queued) {
        if (next.pending || (group.length > 0 && size + next.payloads!.length > SEND_BATCH)) break;
        group.push(next);
        size += next.payloads!.length;
      }
      this.queued.splice(0, group.length);
      try {
        await run(
          this.opts.pool,
          `SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, n) ORDER BY n`,
          [EVENT_CHANNEL, group.flatMap((g) => g.payloads!)],
        );
        for (const g of group) g.resolve();
      } catch (err) {
        for (const g of group) g.reject(err);
      }
    }
    this.sending = false;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.opts.connectionString,
      application_name: "scion-hub-listener",
    });
    this.client = client;
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      const wasConnected = this.connected;
      this.connected = false;
      client.removeAllListeners();
      void client.end().catch(() => undefined);
      if (this.closed) return;
      if (wasConnected)
        this.opts.logger.warn({ err: err?.message }, "the event listener lost its database connection; reconnecting");
      // Publishers waiting for an echo will not get one from this connection.
      for (const resolve of this.echoes.values()) resolve();
      this.echoes.clear();
      const cap = Math.min(this.opts.backoffMaxMs ?? 10_000, (this.opts.backoffBaseMs ?? 200) * 2 ** this.attempt++);
      this.retryTimer = setTimeout(() => void this.connect(), Math.floor(cap / 2 + (Math.random() * cap) / 2));
    };
    client.on("error", (err) => lost(err));
    client.on("end", () => lost(new Error("connection ended")));
    client.on("notification", (msg) => this.receive(msg.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENT_CHANNEL}`);
    } catch (err) {
      lost(err as Error);
      return;
    }
    if (this.client !== client) return;
    const reconnected = this.attempt > 0 || this.reconnects > 0 || this.everConnected;
    this.connected = true;
    this.attempt = 0;
    this.resolveFirst();
    if (reconnected) {
      this.reconnects++;
      this.opts.logger.info({ reconnects: this.reconnects }, "the event listener is back; subscribers resync");
      this.local.resyncAll("the event listener reconnected; events may have been missed");
      this.opts.onReconnect?.();
    }
    this.everConnected = true;
  }

  private everConnected = false;

  /**
   * A notification from the listener, delivered in the order notifications came: an event sent
   * by reference is read from event_payloads first, and those that came after it wait for it
   * (reads start at once, in parallel; only delivery is in order).
   */
  private receive(payload: string | undefined): void {
    let wire: Wire;
    try {
      wire = JSON.parse(payload ?? "") as Wire;
    } catch {
      return;
    }
    if (typeof wire?.subject !== "string" || typeof wire.id !== "string") return;
    const deliver = (data: unknown) => {
      this.deliverOnce(wire.id, { subject: wire.subject, data });
      this.echoes.get(wire.id)?.();
      this.echoes.delete(wire.id);
    };
    if (!wire.ref && !this.backlog) return deliver(wire.data);
    const read = wire.ref ? this.readPayload(wire.ref) : { ok: true as const, data: wire.data };
    this.backlogSize++;
    this.backlog = (this.backlog ?? Promise.resolve())
      .then(async () => {
        const result = await read;
        if (result.ok) deliver(result.data);
        else this.local.resyncAll(result.reason);
      })
      .finally(() => {
        if (--this.backlogSize === 0) this.backlog = undefined;
      });
  }

  /** Deliveries waiting behind an event's payload being read, and how many. */
  private backlog: Promise<void> | undefined;
  private backlogSize = 0;

  private async readPayload(ref: string): Promise<{ ok: true; data: unknown } | { ok: false; reason: string }> {
    try {
      const { rows } = await this.opts.pool.query<{ data: unknown }>(
        `SELECT data FROM event_payloads WHERE id = $1::uuid`,
        [ref],
      );
      return rows.length === 0
        ? { ok: false, reason: "an event's payload was already swept" }
        : { ok: true, data: rows[0]!.data };
    } catch {
      return { ok: false, reason: "an event's payload could not be read" };
    }
  }

  private deliverOnce(id: string, event: HubEvent): void {
    if (this.seen.has(id)) return;
    this.seen.add(id);
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value!);
    void this.local.publish(event).catch(() => undefined);
  }
}

async function run(exec: NotifyExecutor, sql: string, params: unknown[]): Promise<void> {
  if ("query" in exec) await exec.query(sql, params);
  else await exec.$executeRawUnsafe(sql, ...params);
}

/** Deletes stored payloads older than the TTL (a singleton background job). */
export async function sweepEventPayloads(pool: pg.Pool, ttlMs = 10 * 60_000): Promise<number> {
  const { rowCount } = await pool.query(
    `DELETE FROM event_payloads WHERE "createdAt" < now() - ($1::int * interval '1 millisecond')`,
    [ttlMs],
  );
  return rowCount ?? 0;
}
