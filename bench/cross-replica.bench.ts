/**
 * Two hub replicas on one Postgres, one broker connected to B. In the same run:
 * - dispatch latency: POST /agents/{id}/reset-auth (a synchronous broker call) through B, which
 *   holds the broker (local path), against the same call through A (a durable intent that B
 *   claims, runs and completes);
 * - status-to-SSE latency: an agent's status report posted to B, until the event arrives on an
 *   SSE stream on A, against an SSE stream on B itself.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { mintAgentToken } from "../lib/auth/agent-token";
import { findFreePort } from "../lib/db/embedded-postgres";
import { openEventStream } from "../test/sse-client";
import { spawnHub, type SpawnedHub } from "../test/spawn-hub";
import { hubClient, summarize } from "./lib/hub-client";
import type { BenchResult, BenchRow } from "./lib/summary";
import { reapAgentsUnder } from "../test/reap-agents";

const ROUNDS = Number(process.env.BENCH_REPLICA_ROUNDS ?? 100);
const SECRET = "cross-replica-bench-".padEnd(48, "b");
const ROOT = path.resolve(import.meta.dirname, "..");

async function replica(env: Record<string, string>): Promise<{ hub: SpawnedHub; url: string; dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-bench-rep-"));
  fs.chmodSync(dataDir, 0o755);
  const port = await findFreePort();
  const hub = spawnHub({
    PORT: String(port),
    SCION_DATA_DIR: dataDir,
    SESSION_SECRET: SECRET,
    SCION_LOCAL_BROKER: "false",
    SCION_LOG_LEVEL: "warn",
    SCION_INTERNAL_URL: `http://127.0.0.1:${port}`,
    ...env,
  });
  return { hub, url: await hub.ready, dataDir };
}

/** The embedded database of a running hub, as a URL another replica can share. */
function embeddedUrl(dataDir: string): string {
  const { user, password } = JSON.parse(fs.readFileSync(path.join(dataDir, "postgres-credentials.json"), "utf8")) as {
    user: string;
    password: string;
  };
  const port = Number(fs.readFileSync(path.join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[3]);
  return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/scion`;
}

export async function run(): Promise<BenchResult> {
  const a = await replica({});
  const b = await replica({ DATABASE_URL: embeddedUrl(a.dataDir) });
  const brokerDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-bench-rep-broker-"));
  let broker: ChildProcess | undefined;
  try {
    const viaA = hubClient(a.url, a.dataDir);
    const viaB = hubClient(b.url, a.dataDir);
    const { body: reg } = await viaA.call<{ joinToken: string; broker: { id: string } }>(
      "POST",
      "/api/v1/runtime-brokers",
      { name: "bench-broker" },
    );
    broker = spawn(process.execPath, ["--import", "tsx", "broker/main.ts"], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: "production",
        SCION_HUB_URLS: b.url,
        SCION_JOIN_TOKEN: reg.joinToken,
        SCION_DATA_DIR: brokerDir,
        SCION_LOG_LEVEL: "warn",
        SCION_PORT_RANGE: "42000-42100",
      },
      stdio: "ignore",
    });
    for (let i = 0; ; i++) {
      const { body } = await viaA.call<{ status: string }>("GET", `/api/v1/runtime-brokers/${reg.broker.id}`);
      if (body.status === "online") break;
      if (i > 300) throw new Error("the broker did not come online through B");
      await new Promise((r) => setTimeout(r, 100));
    }
    const { body: project } = await viaA.call<{ id: string }>("POST", "/api/v1/projects", { name: "replica-bench" });
    const { status, body: agent } = await viaB.call<{ id: string; phase: string }>("POST", "/api/v1/agents", {
      projectId: project.id,
      name: "bench-agent",
      harness: "generic",
      command: "exec sleep 100000",
      start: true,
    });
    if (status !== 201 || agent.phase !== "running")
      throw new Error(`the bench agent did not start (${status} ${agent.phase})`);

    // Status to SSE: report to B, see it on A (other replica) and on B (same replica).
    const { token: agentToken } = await mintAgentToken(SECRET, { id: agent.id, tokenVersion: 0 });
    const streamA = await openEventStream(`${a.url}/api/v1/events?sub=agent.${agent.id}.status`, {
      authorization: `Bearer ${viaA.token}`,
    });
    const streamB = await openEventStream(`${b.url}/api/v1/events?sub=agent.${agent.id}.status`, {
      authorization: `Bearer ${viaA.token}`,
    });
    for (const s of [streamA, streamB])
      if (!s.res.ok) throw new Error(`an event stream was refused: HTTP ${s.res.status}`);
    const other: number[] = [];
    const same: number[] = [];
    try {
      for (let i = 0; i < ROUNDS + 10; i++) {
        const detail = `round ${i}`;
        const started = performance.now();
        const report = fetch(`${b.url}/api/v1/agents/${agent.id}/status`, {
          method: "POST",
          headers: { authorization: `Bearer ${agentToken}`, "content-type": "application/json" },
          body: JSON.stringify({ detail }),
        });
        const matches = (e: { data: unknown }) =>
          ((e.data as { data?: { detail?: string } }).data?.detail ?? "") === detail;
        const [atA, atB] = await Promise.all([
          streamA.next(matches, 10_000).then(() => performance.now()),
          streamB.next(matches, 10_000).then(() => performance.now()),
        ]);
        if ((await report).status !== 200) throw new Error("a status report was refused");
        if (i >= 10) {
          other.push(atA - started);
          same.push(atB - started);
        }
      }
    } finally {
      streamA.close();
      streamB.close();
    }

    // Dispatch: reset-auth through B (local) and through A (forwarded), alternating.
    const local: number[] = [];
    const forwarded: number[] = [];
    for (let i = 0; i < ROUNDS + 10; i++) {
      for (const [client, into] of [
        [viaB, local],
        [viaA, forwarded],
      ] as const) {
        const started = performance.now();
        const res = await client.call<{ ok: boolean }>("POST", `/api/v1/agents/${agent.id}/reset-auth`);
        if (res.status !== 200 || !res.body.ok)
          throw new Error(`reset-auth failed: ${res.status} ${JSON.stringify(res.body)}`);
        if (i >= 10) into.push(performance.now() - started);
      }
    }
    const result = {
      rounds: ROUNDS,
      dispatch: {
        local: summarize(local),
        forwarded: summarize(forwarded),
        ratioP50: Math.round((summarize(forwarded).p50Ms / summarize(local).p50Ms) * 100) / 100,
      },
      statusToSse: {
        sameReplica: summarize(same),
        otherReplica: summarize(other),
        ratioP50: Math.round((summarize(other).p50Ms / summarize(same).p50Ms) * 100) / 100,
      },
    };
    console.log(`cross-replica: ${ROUNDS} rounds each after 10 warm-up`);
    console.table({
      "reset-auth via B (local dispatch)": {
        "p50 ms": result.dispatch.local.p50Ms,
        "p99 ms": result.dispatch.local.p99Ms,
      },
      "reset-auth via A (intent → B)": {
        "p50 ms": result.dispatch.forwarded.p50Ms,
        "p99 ms": result.dispatch.forwarded.p99Ms,
      },
      "status → SSE on B (same replica)": {
        "p50 ms": result.statusToSse.sameReplica.p50Ms,
        "p99 ms": result.statusToSse.sameReplica.p99Ms,
      },
      "status → SSE on A (other replica)": {
        "p50 ms": result.statusToSse.otherReplica.p50Ms,
        "p99 ms": result.statusToSse.otherReplica.p99Ms,
      },
    });
    console.log(
      `forwarded dispatch p50 is ${result.dispatch.ratioP50}× local; status-to-SSE on the other replica p50 is ${result.statusToSse.ratioP50}× the same replica`,
    );
    const rows: BenchRow[] = [
      {
        path: "dispatch across replicas (reference)",
        subject: `reset-auth through the replica without the broker: p50 ${result.dispatch.forwarded.p50Ms} ms`,
        baseline: `through the replica holding it: p50 ${result.dispatch.local.p50Ms} ms`,
        ratio: result.dispatch.ratioP50,
        target: "none",
        pass: true,
      },
      {
        path: "status → SSE across replicas (reference)",
        subject: `on the other replica: p50 ${result.statusToSse.otherReplica.p50Ms} ms, p99 ${result.statusToSse.otherReplica.p99Ms} ms`,
        baseline: `on the same replica: p50 ${result.statusToSse.sameReplica.p50Ms} ms`,
        ratio: result.statusToSse.ratioP50,
        target: "none",
        pass: true,
      },
    ];
    return { rows, ...result };
  } finally {
    broker?.kill("SIGTERM");
    for (const r of [b, a]) {
      r.hub.child.kill("SIGTERM");
      await r.hub.exited;
    }
    reapAgentsUnder(brokerDir);
    for (const dir of [a.dataDir, b.dataDir, brokerDir]) fs.rmSync(dir, { recursive: true, force: true });
  }
}
