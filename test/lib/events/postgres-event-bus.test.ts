import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { captureLogger } from "../../silent-logger";
import { createTestDatabase, type TestDatabase } from "../../test-database";
import { until } from "../../until";
import type { EventDelivery } from "../../../lib/events/event-bus";
import { PostgresEventBus, sweepEventPayloads } from "../../../lib/events/postgres-event-bus";

/** Two buses on one database stand for two hub replicas. */
let db: TestDatabase;
let pool: pg.Pool;
const buses: PostgresEventBus[] = [];

function replica(hubId: string, backoffBaseMs = 20, through: pg.Pool = pool) {
  const bus = new PostgresEventBus({
    connectionString: db.url,
    pool: through,
    hubId,
    logger: captureLogger().logger,
    backoffBaseMs,
    backoffMaxMs: Math.max(200, backoffBaseMs),
  });
  buses.push(bus);
  return bus;
}

/** The test pool with its queries going through `query` first (to count or fail some). */
function poolWith(query: (sql: string, params: unknown[]) => Promise<unknown>): pg.Pool {
  return new Proxy(pool, {
    get: (target, key, receiver) => (key === "query" ? query : Reflect.get(target, key, receiver)),
  });
}

function collect(bus: PostgresEventBus, patterns = [">"]) {
  const seen: EventDelivery[] = [];
  bus.subscribe(patterns, (d) => seen.push(d));
  return seen;
}

const events = (seen: EventDelivery[]) => seen.flatMap((d) => (d.kind === "event" ? [d.event] : []));

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
});
afterEach(async () => {
  for (const bus of buses.splice(0)) await bus.close();
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

describe("PostgresEventBus", () => {
  it("an event published on one replica reaches subscribers on the other, and locally once publish resolves", async () => {
    const a = replica("a");
    const b = replica("b");
    await Promise.all([a.ready(), b.ready()]);
    const onA = collect(a, ["agent.*.status"]);
    const onB = collect(b, ["agent.>"]);
    await a.publish({ subject: "agent.1.status", data: { phase: "running" } });
    await Promise.resolve();
    expect(events(onA)).toEqual([{ subject: "agent.1.status", data: { phase: "running" } }]);
    await until(() => events(onB).length === 1, "the other replica");
    expect(events(onB)).toEqual([{ subject: "agent.1.status", data: { phase: "running" } }]);
  });

  it("a burst of publishes goes out in a few statements, in the order published, interleaved with batches", async () => {
    let notifies = 0;
    const a = replica(
      "a",
      20,
      poolWith((sql, params) => {
        if (sql.includes("pg_notify")) notifies++;
        return pool.query(sql, params);
      }),
    );
    const b = replica("b");
    await Promise.all([a.ready(), b.ready()]);
    const onB = collect(b);
    const sent: string[] = [];
    const publishes: Array<Promise<void>> = [];
    for (let i = 0; i < 300; i++) {
      if (i % 50 === 25) {
        const many = [0, 1, 2].map((k) => ({ subject: `agent.${i}-${k}.status`, data: i }));
        sent.push(...many.map((e) => e.subject));
        publishes.push(a.publishMany(many));
      } else {
        sent.push(`agent.${i}.status`);
        publishes.push(a.publish({ subject: `agent.${i}.status`, data: i }));
      }
    }
    await Promise.all(publishes);
    await until(() => events(onB).length === sent.length, "every event on the other replica");
    expect(events(onB).map((e) => e.subject)).toEqual(sent);
    // The first goes at once; everything published while it was under way goes together.
    expect(notifies).toBeGreaterThanOrEqual(2);
    expect(notifies).toBeLessThanOrEqual(4);
  });

  it("a payload over the NOTIFY limit travels by reference and arrives whole; old payloads are swept", async () => {
    const a = replica("a");
    const b = replica("b");
    await Promise.all([a.ready(), b.ready()]);
    const onB = collect(b);
    const big = { log: "x".repeat(50_000) };
    await a.publish({ subject: "maintenance.run.1.progress", data: big });
    await until(() => events(onB).length === 1, "the big event");
    expect(events(onB)[0]).toEqual({ subject: "maintenance.run.1.progress", data: big });
    expect((await pool.query("SELECT count(*)::int AS n FROM event_payloads")).rows[0].n).toBe(1);
    expect(await sweepEventPayloads(pool, 60_000)).toBe(0);
    expect(await sweepEventPayloads(pool, 0)).toBe(1);
  });

  it("an event stored by reference keeps its place: those published after it wait for it", async () => {
    const a = replica("a");
    const b = replica("b");
    await Promise.all([a.ready(), b.ready()]);
    const onB = collect(b);
    const big = { log: "y".repeat(20_000) };
    await Promise.all([
      a.publish({ subject: "agent.first.status", data: 1 }),
      a.publish({ subject: "maintenance.run.2.progress", data: big }),
      a.publish({ subject: "agent.after.status", data: 2 }),
      a.publishMany([{ subject: "agent.last.status", data: 3 }]),
    ]);
    await until(() => events(onB).length === 4, "the four events");
    expect(events(onB).map((e) => e.subject)).toEqual([
      "agent.first.status",
      "maintenance.run.2.progress",
      "agent.after.status",
      "agent.last.status",
    ]);
    expect(events(onB)[1]!.data).toEqual(big);
  });

  it("an event whose payload cannot be stored fails its own publish only; the others still go, in order", async () => {
    const a = replica(
      "a",
      20,
      poolWith((sql, params) =>
        sql.includes("INSERT INTO event_payloads") ? Promise.reject(new Error("disk full")) : pool.query(sql, params),
      ),
    );
    const b = replica("b");
    await Promise.all([a.ready(), b.ready()]);
    const onB = collect(b);
    const results = await Promise.allSettled([
      a.publish({ subject: "agent.one.status", data: 1 }),
      a.publish({ subject: "maintenance.run.3.progress", data: { log: "z".repeat(20_000) } }),
      a.publish({ subject: "agent.two.status", data: 2 }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    await until(() => events(onB).length === 2, "the two small events");
    expect(events(onB).map((e) => e.subject)).toEqual(["agent.one.status", "agent.two.status"]);
  });

  it("publishing inside a transaction announces on commit and never after a rollback", async () => {
    const a = replica("a");
    await a.ready();
    const seen = collect(a);
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await a.publishIn(client, { subject: "agent.rolled.status", data: 1 });
      await client.query("ROLLBACK");
      await client.query("BEGIN");
      await a.publishIn(client, { subject: "agent.committed.status", data: 2 });
      await new Promise((r) => setTimeout(r, 100));
      expect(events(seen)).toEqual([]);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    await until(() => events(seen).length === 1, "the committed event");
    await new Promise((r) => setTimeout(r, 100));
    expect(events(seen).map((e) => e.subject)).toEqual(["agent.committed.status"]);
  });

  it("when the listener's connection is killed it reconnects, LISTENs again and tells subscribers to resync", async () => {
    const a = replica("a");
    const b = replica("b");
    await Promise.all([a.ready(), b.ready()]);
    const onB = collect(b);
    const killed = await pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'scion-hub-listener' AND datname = current_database()`,
    );
    expect(killed.rowCount).toBe(2);
    await until(() => onB.some((d) => d.kind === "resync"), "a resync after the reconnect");
    await until(() => a.isListening && b.isListening, "both listeners back");
    expect(b.reconnects).toBe(1);
    await a.publish({ subject: "agent.after.status", data: "still flowing" });
    await until(() => events(onB).some((e) => e.subject === "agent.after.status"), "events after the reconnect");
  });

  it("with the listener down, a publish still reaches local subscribers at once", async () => {
    const a = replica("a", 10_000);
    await a.ready();
    const seen = collect(a);
    await pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'scion-hub-listener' AND datname = current_database()`,
    );
    await until(() => !a.isListening, "the listener to notice");
    await a.publish({ subject: "agent.local.status", data: 1 });
    await Promise.resolve();
    expect(events(seen).map((e) => e.subject)).toContain("agent.local.status");
  });
});
