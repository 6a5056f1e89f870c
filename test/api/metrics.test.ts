import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";

const SCRAPE = "prometheus-scrape-token-0123456789";
let t: TestHub;
let admin: TestUser;
let member: TestUser;

beforeAll(async () => {
  t = await startTestHub({ SCION_METRICS_TOKEN: SCRAPE });
  [admin, member] = await Promise.all([t.createUser({ role: "admin" }), t.createUser()]);
});
afterAll(async () => {
  await t.close();
});

describe("GET /metrics", () => {
  it("answers Prometheus text to admins and to the scrape token; others are refused", async () => {
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
    expect((await member.request("/metrics")).status).toBe(403);
    expect(
      (await fetch(`${t.url}/metrics`, { headers: { authorization: "Bearer wrong-token-wrong-token-wrong" } })).status,
    ).toBe(401);
    const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${SCRAPE}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const name of [
      "scion_db_pool_in_use",
      "scion_db_pool_idle",
      "scion_db_pool_waiting",
      "scion_sse_clients",
      "scion_broker_connections",
      "scion_terminals",
      "scion_messages_pending",
      "scion_messages_stuck",
      "scion_messages_dispatched_total",
      "scion_dispatch_published_total",
      "scion_dispatch_claimed_total",
      "scion_dispatch_done_total",
      "scion_dispatch_failed_total",
      "scion_event_listener_reconnects_total",
      "scion_hub_process_resident_memory_bytes",
    ]) {
      expect(text).toMatch(new RegExp(`^${name}(\\{[^}]*\\})? \\d`, "m"));
    }
    expect((await admin.request("/metrics")).status).toBe(200);
  });

  it("counts what it says: an open event stream shows as an SSE client", async () => {
    const controller = new AbortController();
    const stream = await fetch(`${t.url}/api/v1/events`, {
      headers: { authorization: `Bearer ${member.token}` },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    try {
      const text = await (await admin.request("/metrics")).text();
      expect(text).toMatch(/^scion_sse_clients 1$/m);
    } finally {
      controller.abort();
    }
  });
});
