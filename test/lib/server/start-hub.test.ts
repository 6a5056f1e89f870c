import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { captureLogger, type CapturedLogger } from "../../silent-logger";
import { createTestDatabase, type TestDatabase } from "../../test-database";
import { loadConfig } from "../../../lib/config/load-config";
import { getHubRuntime } from "../../../lib/runtime/hub-runtime";
import { createApiToken } from "../../../lib/tokens/create-api-token";
import { startHub, type Hub } from "../../../lib/server/start-hub";
import { until } from "../../until";

let db: TestDatabase;
let hub: Hub;
let log: CapturedLogger;

beforeEach(async () => {
  db = await createTestDatabase();
  log = captureLogger();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-hub-"));
  const config = loadConfig({ env: { DATABASE_URL: db.url, PORT: "0", SCION_DATA_DIR: dataDir }, cwd: dataDir });
  hub = await startHub({ config, logger: log.logger });
});

afterEach(async () => {
  await hub.close();
  await db.drop();
});

/** An API token of a new user with that role. */
async function tokenOf(role: "admin" | "member"): Promise<string> {
  const user = await hub.runtime.prisma.user.create({ data: { email: `${role}-${Date.now()}@example.com`, role } });
  return (await createApiToken(hub.runtime.prisma, hub.runtime.sessionSecret, user.id, { name: "t", expiresInDays: 1 }))
    .token;
}

async function sql(query: string): Promise<void> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(query);
  await client.end();
}

describe("hub process routes", () => {
  it("GET /healthz - answers while the process runs", async () => {
    const res = await fetch(`${hub.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("keeps an idle keep-alive connection open past Node's 5 s default, and announces its timeout", async () => {
    // A client (a load balancer) that reuses a connection the server is closing loses its request.
    const socket = net.connect(Number(new URL(hub.url).port), "127.0.0.1");
    let received = "";
    let closed = false;
    socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
    socket.on("close", () => (closed = true));
    const request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n";
    try {
      socket.write(request);
      await until(() => received.includes('{"status":"ok"}'));
      expect(received).toMatch(/\r\nkeep-alive: timeout=620\r\n/i);
      await new Promise((r) => setTimeout(r, 6000));
      expect(closed).toBe(false);
      received = "";
      socket.write(request);
      await until(() => received.includes('{"status":"ok"}'));
      expect(received).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      socket.destroy();
    }
  });

  it("GET /readyz - ready when the database is reachable and has every migration", async () => {
    const res = await fetch(`${hub.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: "ready",
      reasons: [],
      checks: { database: "ok", migrations: "ok", listener: "ok" },
    });
  });

  it("GET /readyz - not ready: the public sees a reason code, an admin also the missing migration's name", async () => {
    const latest = hub.runtime.migrations.at(-1)!.name;
    await sql(`DELETE FROM "_prisma_migrations" WHERE migration_name = '${latest}'`);
    const res = await fetch(`${hub.url}/readyz`);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      status: "not_ready",
      reasons: ["migrations_pending"],
      checks: { database: "ok", migrations: "pending", listener: "ok" },
    });
    expect(text).not.toContain(latest);
    const member = await tokenOf("member");
    expect(
      await (await fetch(`${hub.url}/readyz`, { headers: { authorization: `Bearer ${member}` } })).json(),
    ).not.toHaveProperty("details");
    const admin = await fetch(`${hub.url}/readyz`, { headers: { authorization: `Bearer ${await tokenOf("admin")}` } });
    expect(admin.status).toBe(503);
    expect(await admin.json()).toMatchObject({
      status: "not_ready",
      reasons: ["migrations_pending"],
      details: { pendingMigrations: [latest] },
    });
  });

  it("GET /readyz - not ready when the database is gone, without the driver's error for the public", async () => {
    await db.drop();
    const res = await fetch(`${hub.url}/readyz`);
    expect(res.status).toBe(503);
    // The listener loses its connection too; whether it noticed yet is a race, so it is not asserted.
    const body = (await res.json()) as { status: string; reasons: string[]; checks: Record<string, string> };
    expect(body).toMatchObject({ status: "not_ready", checks: { database: "unreachable", migrations: "unknown" } });
    expect(body.reasons).toContain("database_unreachable");
    expect(Object.keys(body).sort()).toEqual(["checks", "reasons", "status"]);
  });

  it("echoes a caller's request id and logs method, path, status and duration", async () => {
    const res = await fetch(`${hub.url}/healthz`, { headers: { "x-request-id": "trace-123" } });
    expect(res.headers.get("x-request-id")).toBe("trace-123");
    const generated = (
      await fetch(`${hub.url}/healthz`, { headers: { "x-request-id": "bad id with spaces" } })
    ).headers.get("x-request-id");
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);

    const line = log.lines().find((l) => l.msg === "request" && l.requestId === "trace-123");
    expect(line).toMatchObject({ method: "GET", path: "/healthz", status: 200 });
    expect(typeof line!.durationMs).toBe("number");
  });

  it("refuses WebSocket upgrades on paths nobody serves", async () => {
    const ws = new WebSocket(`${hub.url.replace("http", "ws")}/api/v1/nothing-here`);
    const status = await new Promise<number>((resolve) =>
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(404);
  });

  it("installs the runtime for route handlers and removes it on close", async () => {
    expect(getHubRuntime()).toBe(hub.runtime);
    expect(hub.runtime.config.port).toBe(Number(new URL(hub.url).port));
    await hub.close();
    expect(() => getHubRuntime()).toThrow(/HubRuntime is not initialised/);
    await expect(fetch(`${hub.url}/healthz`)).rejects.toThrow();
  });

  it("finishes a request that was in flight when shutdown began", async () => {
    // Hold a lock that /readyz's query must wait for, so the request is provably in flight.
    const locker = new pg.Client({ connectionString: db.url });
    const observer = new pg.Client({ connectionString: db.url });
    await Promise.all([locker.connect(), observer.connect()]);
    try {
      await locker.query(`BEGIN; LOCK TABLE "_prisma_migrations" IN ACCESS EXCLUSIVE MODE`);
      const inFlight = fetch(`${hub.url}/readyz`);
      await waitFor(async () => {
        const { rows } = await observer.query(
          `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`,
        );
        return rows.length > 0;
      });

      const closing = hub.close();
      expect(hub.runtime.isShuttingDown).toBe(true);
      await locker.query("COMMIT");

      const res = await inFlight;
      expect(res.status).toBe(200);
      await closing;
    } finally {
      await locker.end();
      await observer.end();
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
