import client from "prom-client";
import type pg from "pg";

/**
 * The hub's Prometheus metrics, one registry per HubRuntime (tests run several hubs in one
 * process). Gauges that mirror live state are read at scrape time.
 */
export interface HubMetrics {
  registry: client.Registry;
  messagesDispatched: client.Counter;
  listenerReconnects: client.Counter;
  brokerCalls: client.Histogram<"op" | "outcome">;
  dispatchPublished: client.Counter;
  dispatchClaimed: client.Counter;
  dispatchDone: client.Counter;
  dispatchFailed: client.Counter;
  dispatchLatency: client.Histogram<"outcome">;
  drainDuration: client.Histogram;
  brokerHeartbeats: client.Histogram;
}

export interface MetricSources {
  pool: pg.Pool;
  sseClients: () => number;
  brokerConnections: () => number;
  terminals: () => number;
  pendingMessages: () => Promise<number>;
  /** Messages pending for over ten minutes. */
  stuckMessages: () => Promise<number>;
}

export function createHubMetrics(sources: MetricSources): HubMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: "scion_hub_" });
  const gauge = (name: string, help: string, read: () => number | Promise<number>) =>
    new client.Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(await read());
      },
    });
  gauge(
    "scion_db_pool_in_use",
    "Database connections checked out of the pool",
    () => sources.pool.totalCount - sources.pool.idleCount,
  );
  gauge("scion_db_pool_idle", "Idle database connections in the pool", () => sources.pool.idleCount);
  gauge("scion_db_pool_waiting", "Queries waiting for a database connection", () => sources.pool.waitingCount);
  gauge("scion_sse_clients", "Open event streams (SSE) on this replica", sources.sseClients);
  gauge("scion_broker_connections", "Broker control channels held by this replica", sources.brokerConnections);
  gauge("scion_terminals", "Browser terminals relayed by this replica", sources.terminals);
  gauge(
    "scion_messages_pending",
    "Messages waiting to be typed into their agent (all replicas)",
    sources.pendingMessages,
  );
  gauge("scion_messages_stuck", "Messages pending for over ten minutes (all replicas)", sources.stuckMessages);
  return {
    registry,
    messagesDispatched: new client.Counter({
      name: "scion_messages_dispatched_total",
      help: "Messages typed into an agent's session by this replica",
      registers: [registry],
    }),
    listenerReconnects: new client.Counter({
      name: "scion_event_listener_reconnects_total",
      help: "Times this replica's LISTEN connection was re-established",
      registers: [registry],
    }),
    brokerCalls: new client.Histogram({
      name: "scion_broker_call_seconds",
      help: "Operations this replica sent to brokers over the control channel, by outcome",
      labelNames: ["op", "outcome"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    dispatchPublished: new client.Counter({
      name: "scion_dispatch_published_total",
      help: "Intents this replica wrote for a broker another replica holds",
      registers: [registry],
    }),
    dispatchClaimed: new client.Counter({
      name: "scion_dispatch_claimed_total",
      help: "Intents this replica claimed for a broker it holds",
      registers: [registry],
    }),
    dispatchDone: new client.Counter({
      name: "scion_dispatch_done_total",
      help: "Intents this replica completed",
      registers: [registry],
    }),
    dispatchFailed: new client.Counter({
      name: "scion_dispatch_failed_total",
      help: "Intents this replica failed",
      registers: [registry],
    }),
    dispatchLatency: new client.Histogram({
      name: "scion_dispatch_intent_to_done_seconds",
      help: "From writing an intent to its outcome, seen by the replica that wrote it",
      labelNames: ["outcome"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 90],
      registers: [registry],
    }),
    drainDuration: new client.Histogram({
      name: "scion_dispatch_drain_seconds",
      help: "Draining the intents and messages pending for a broker this replica just claimed",
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    brokerHeartbeats: new client.Histogram({
      name: "scion_broker_heartbeat_seconds",
      help: "Recording a broker's heartbeat, from its frame arriving to the database having it",
      buckets: [0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
  };
}
