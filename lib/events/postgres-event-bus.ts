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

/** What goes over NOTIFY: the event itself, or a reference to its row in event_payloads. */
type Wire = { id: string; hub: string; subject: string; data?: unknown; ref?: string };

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
    const wire = await this.toWire(event, this.opts.pool);
    if (!this.connected) {
      // Deliver here now; other replicas still get the NOTIFY.
      this.deliverOnce(wire.id, event);
      await this.notify(this.opts.pool, wire).catch((err: Error) =>
        this.opts.logger.warn({ err: err.message, subject: event.subject }, "publishing an event failed"),
      );
      return;
    }
    const echoed = new Promise<void>((resolve) => this.echoes.set(wire.id, resolve));
    await this.notify(this.opts.pool, wire);
    const timer = setTimeout(() => this.echoes.get(wire.id)?.(), ECHO_WAIT_MS);
    await echoed;
    clearTimeout(timer);
    this.echoes.delete(wire.id);
    // Not back within the wait (listener stalled): deliver locally; a late echo is dropped.
    this.deliverOnce(wire.id, event);
  }

  /**
   * Publishes events in order with one NOTIFY statement (one round trip for a batch), then waits
   * for their echoes as `publish` does; with the listener down they are delivered here at once.
   */
  async publishMany(events: HubEvent[]): Promise<void> {
    if (this.closed) throw new Error("event bus is closed");
    if (events.length === 0) return;
    const wires: Wire[] = [];
    for (const event of events) wires.push(await this.toWire(event, this.opts.pool));
    if (!this.connected) {
      wires.forEach((wire, i) => this.deliverOnce(wire.id, events[i]!));
      await this.notifyMany(wires).catch((err: Error) =>
        this.opts.logger.warn({ err: err.message, events: events.length }, "publishing events failed"),
      );
      return;
    }
    const echoed = wires.map((wire) => new Promise<void>((resolve) => this.echoes.set(wire.id, resolve)));
    await this.notifyMany(wires);
    const timer = setTimeout(() => wires.forEach((wire) => this.echoes.get(wire.id)?.()), ECHO_WAIT_MS);
    await Promise.all(echoed);
    clearTimeout(timer);
    wires.forEach((wire, i) => {
      this.echoes.delete(wire.id);
      this.deliverOnce(wire.id, events[i]!);
    });
  }

  /** One statement NOTIFYing every wire, in order, queued behind this replica's earlier sends. */
  private notifyMany(wires: Wire[]): Promise<void> {
    const payloads = wires.map((wire) => JSON.stringify(wire));
    const send = () =>
      run(this.opts.pool, `SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, n) ORDER BY n`, [
        EVENT_CHANNEL,
        payloads,
      ]);
    const sent = this.sendChain.then(send);
    this.sendChain = sent.catch(() => undefined);
    return sent;
  }

  /** Publishes as part of the caller's transaction: delivered on commit, never after a rollback. */
  async publishIn(tx: NotifyExecutor, event: HubEvent): Promise<void> {
    const wire = await this.toWire(event, tx);
    await this.notify(tx, wire);
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

  private async toWire(event: HubEvent, exec: NotifyExecutor): Promise<Wire> {
    const id = crypto.randomUUID();
    const wire: Wire = { id, hub: this.opts.hubId, subject: event.subject, data: event.data };
    if (Buffer.byteLength(JSON.stringify(wire)) <= INLINE_LIMIT) return wire;
    const ref = crypto.randomUUID();
    await run(exec, `INSERT INTO event_payloads (id, subject, data) VALUES ($1::uuid, $2, $3::jsonb)`, [
      ref,
      event.subject,
      JSON.stringify(event.data ?? null),
    ]);
    return { id, hub: this.opts.hubId, subject: event.subject, ref };
  }

  /**
   * Sends the NOTIFY. Outside a transaction, sends go one after another, so the events of this
   * replica reach every listener in the order they were published (the pool would otherwise
   * race them over different connections).
   */
  private notify(exec: NotifyExecutor, wire: Wire): Promise<void> {
    const send = () => run(exec, `SELECT pg_notify($1, $2)`, [EVENT_CHANNEL, JSON.stringify(wire)]);
    if (exec !== this.opts.pool) return send();
    const sent = this.sendChain.then(send);
    this.sendChain = sent.catch(() => undefined);
    return sent;
  }

  private sendChain: Promise<void> = Promise.resolve();

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
    client.on("notification", (msg) => void this.receive(msg.payload));
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

  private async receive(payload: string | undefined): Promise<void> {
    let wire: Wire;
    try {
      wire = JSON.parse(payload ?? "") as Wire;
    } catch {
      return;
    }
    if (typeof wire?.subject !== "string" || typeof wire.id !== "string") return;
    let data = wire.data;
    if (wire.ref) {
      try {
        const { rows } = await this.opts.pool.query<{ data: unknown }>(
          `SELECT data FROM event_payloads WHERE id = $1::uuid`,
          [wire.ref],
        );
        if (rows.length === 0) return this.local.resyncAll("an event's payload was already swept");
        data = rows[0]!.data;
      } catch {
        return this.local.resyncAll("an event's payload could not be read");
      }
    }
    this.deliverOnce(wire.id, { subject: wire.subject, data });
    this.echoes.get(wire.id)?.();
    this.echoes.delete(wire.id);
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
