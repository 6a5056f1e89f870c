import type { IncomingMessage, ServerResponse } from "node:http";
import { pendingMigrationNames } from "../db/migrate";
import type { HubRuntime } from "../runtime/hub-runtime";

/**
 * Routes server.ts answers itself, before Next.js. Machines call these all the time and Next.js
 * costs over a millisecond of CPU per request before our code runs (ARCHITECTURE.md, "Hot
 * machine paths skip Next.js"); people's routes stay in app/. The URLs are those of API.md, so
 * clients cannot tell the difference. This table is the whole list.
 */
export const MACHINE_ROUTES: Record<string, MachineRoute> = {
  "GET /healthz": healthz,
  "GET /readyz": readyz,
};

export type MachineRoute = (req: IncomingMessage, res: ServerResponse, runtime: HubRuntime | undefined) => Promise<void> | void;

/** Looks up the machine route for a request, or undefined to hand it to Next.js. */
export function findMachineRoute(method: string | undefined, pathname: string): MachineRoute | undefined {
  return MACHINE_ROUTES[`${method ?? "GET"} ${pathname}`] ?? (method === "HEAD" ? MACHINE_ROUTES[`GET ${pathname}`] : undefined);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": bytes.length, "cache-control": "no-store" });
  res.end(res.req.method === "HEAD" ? undefined : bytes);
}

/** Process up: answers as long as the event loop runs, even while starting or stopping. */
function healthz(_req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { status: "ok" });
}

/** Ready for traffic: started, not stopping, database reachable, every shipped migration applied. */
async function readyz(_req: IncomingMessage, res: ServerResponse, runtime: HubRuntime | undefined): Promise<void> {
  if (!runtime) return sendJson(res, 503, { status: "starting", checks: { database: "unknown", migrations: "unknown" } });
  if (runtime.isShuttingDown) return sendJson(res, 503, { status: "stopping", checks: {} });
  const checks: Record<string, string> = {};
  let pending: string[] = [];
  try {
    pending = await pendingMigrationNames(
      async (sql, params) => (await runtime.db.pool.query<{ migration_name: string }>(sql, params)).rows,
      runtime.migrations,
    );
    checks.database = "ok";
    checks.migrations = pending.length ? `pending: ${pending.join(", ")}` : "ok";
  } catch (err) {
    checks.database = `error: ${(err as Error).message}`;
    checks.migrations = "unknown";
  }
  const ok = checks.database === "ok" && pending.length === 0;
  sendJson(res, ok ? 200 : 503, { status: ok ? "ready" : "not_ready", checks });
}
