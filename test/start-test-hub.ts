import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../lib/config/load-config";
import type { UserIdentity } from "../lib/auth/principal";
import { startHub, type Hub } from "../lib/server/start-hub";
import { createApiToken } from "../lib/tokens/create-api-token";
import { captureLogger, type CapturedLogger } from "./silent-logger";
import { createTestDatabase, type TestDatabase } from "./test-database";
import { reapAgentsUnder } from "./reap-agents";

const ROOT = path.resolve(import.meta.dirname, "..");

export interface TestHub {
  hub: Hub;
  url: string;
  db: TestDatabase;
  log: CapturedLogger;
  dataDir: string;
  /** A user with an API token, and a fetch that sends it. */
  createUser(opts?: { email?: string; role?: "admin" | "member"; status?: "active" | "suspended" }): Promise<TestUser>;
  close(): Promise<void>;
}

export interface TestUser {
  user: UserIdentity;
  token: string;
  request(pathname: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
}

let userCounter = 0;

/**
 * A whole hub in this test process: its own database (cloned template), its own data
 * directory, Next.js serving the production build (test/global-setup.ts keeps it current).
 */
export async function startTestHub(
  env: Record<string, string> = {},
  opts: { localBroker?: boolean; logLevel?: "info" | "debug" } = {},
): Promise<TestHub> {
  const db = await createTestDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-api-"));
  // At debug, the local broker's own log lines (which it writes at debug into the hub's log) are kept too.
  const log = captureLogger(opts.logLevel ?? "info");
  const config = loadConfig({
    env: {
      DATABASE_URL: db.url,
      PORT: "0",
      SCION_DATA_DIR: dataDir,
      SESSION_SECRET: "test-secret-".padEnd(48, "x"),
      ...env,
    },
    cwd: dataDir,
  });
  const hub = await startHub({
    config,
    logger: log.logger,
    next: { dev: false, dir: ROOT },
    root: ROOT,
    withLocalBroker: opts.localBroker === true,
  });

  const request =
    (token: string | undefined) =>
    (pathname: string, init: RequestInit & { json?: unknown } = {}) => {
      const headers = new Headers(init.headers);
      if (token) headers.set("authorization", `Bearer ${token}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set("content-type", "application/json");
        body = JSON.stringify(init.json);
      }
      return fetch(`${hub.url}${pathname}`, { ...init, headers, body, redirect: "manual" });
    };

  return {
    hub,
    url: hub.url,
    db,
    log,
    dataDir,
    async createUser({ email, role = "member", status = "active" } = {}) {
      const created = await hub.runtime.prisma.user.create({
        data: { email: email ?? `user${++userCounter}-${process.pid}@example.com`, name: `Test ${role}`, role, status },
      });
      const { token } = await createApiToken(hub.runtime.prisma, hub.runtime.sessionSecret, created.id, {
        name: "test",
        expiresInDays: 1,
      });
      const user = {
        id: created.id,
        email: created.email,
        name: created.name,
        role: created.role,
        status: created.status,
      };
      return { user, token, request: request(token) };
    },
    async close() {
      await hub.close();
      // Agents outlive their broker by design; a test's agents must not outlive the test.
      if (opts.localBroker) reapAgentsUnder(dataDir);
      await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** fetch against a test hub with no credentials. */
export function anonymous(testHub: TestHub) {
  return (pathname: string, init: RequestInit = {}) =>
    fetch(`${testHub.url}${pathname}`, { ...init, redirect: "manual" });
}
