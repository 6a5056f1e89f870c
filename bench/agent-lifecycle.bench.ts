/**
 * Agent lifecycle figures through the real path (API → hub → broker → tmux → shim → hub):
 * - create-to-running: POST /api/v1/agents with start:true until it answers with phase running,
 *   against starting the same command in a tmux session directly (no hub, no shim) in the same run;
 * - bulk reset-auth of N running agents (default 500) with POST /admin/agents/reset-auth-all,
 *   against resetting the same agents one request at a time, in the same run. Target: under
 *   10 s and at least 3× faster than one at a time. Each of the two starts on a quiet machine
 *   (lib/cpu-by-role.ts's settle).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalRuntime } from "../broker/runtimes/local-runtime";
import pg from "pg";
import { embeddedDatabaseUrl, startBenchHub } from "./lib/bench-hub";
import { cpuByRole, cpuSpent, settle } from "./lib/cpu-by-role";
import { hubClient, summarize, waitForBroker } from "./lib/hub-client";
import type { BenchResult, BenchRow } from "./lib/summary";

const STARTS = Number(process.env.BENCH_STARTS ?? 20);
const RESET_AGENTS = Number(process.env.BENCH_RESET_AGENTS ?? 500);

export async function run(): Promise<BenchResult> {
  const hub = await startBenchHub({ localBroker: true });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "scion-bench-tmux-"));
  const direct = new LocalRuntime(scratch);
  try {
    const { call } = hubClient(hub.url, hub.dataDir);
    await waitForBroker(call);
    const { body: project } = await call<{ id: string }>("POST", "/api/v1/projects", { name: "lifecycle-bench" });
    const create = async (name: string) => {
      const started = performance.now();
      const res = await call<{ id: string; phase: string }>("POST", "/api/v1/agents", {
        projectId: project.id,
        name,
        harness: "generic",
        command: "exec sleep 100000",
        start: true,
      });
      if (res.status !== 201 || res.body.phase !== "running")
        throw new Error(`${name} did not start: ${res.status} ${res.body.phase}`);
      return { id: res.body.id, ms: performance.now() - started };
    };

    // Create to running, one at a time.
    console.log(`agent-lifecycle: ${STARTS} creates to running; then reset-auth of ${RESET_AGENTS} running agents`);
    const startSamples: number[] = [];
    for (let i = 0; i < STARTS; i++) startSamples.push((await create(`start-${i}`)).ms);
    const directSamples: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      const agentId = crypto.randomUUID();
      const started = performance.now();
      await direct.start({ agentId, argv: ["sleep", "100000"], env: {} });
      while (!(await direct.isRunning(agentId))) await new Promise((r) => setTimeout(r, 1));
      directSamples.push(performance.now() - started);
    }
    const createToRunning = summarize(startSamples);
    const directStart = summarize(directSamples);

    // Bring the fleet to N running agents (the ones above count).
    const fleetStarted = performance.now();
    let made = STARTS;
    const worker = async () => {
      while (made < RESET_AGENTS) {
        const i = made++;
        await create(`fleet-${i}`);
        if ((i + 1) % 50 === 0) console.log(`  ${i + 1}/${RESET_AGENTS} agents running`);
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    const fleetSeconds = (performance.now() - fleetStarted) / 1000;

    // Both resets start from a fleet that has run a while (30 s) on a machine back to its steady
    // load: the bulk would otherwise share it with the start-up of the agents just made (their
    // shims' first seconds), which the one-by-one run, coming later, never does.
    const beforeBulk = await settle({ minMs: 30_000 });
    console.log(`  machine settled after ${beforeBulk.waitedMs} ms (${beforeBulk.busy}% busy)`);
    const cpuBeforeBulk = cpuByRole();
    const bulkStartedAt = new Date();
    const bulkStarted = performance.now();
    const bulk = await call<{
      total: number;
      succeeded: number;
      failed: number;
      results: Array<{ signalled: boolean }>;
    }>("POST", "/api/v1/admin/agents/reset-auth-all");
    const bulkMs = performance.now() - bulkStarted;
    const bulkCpu = cpuSpent(cpuBeforeBulk, cpuByRole());
    if (bulk.status !== 200 || bulk.body.failed !== 0)
      throw new Error(`reset-auth-all failed: ${bulk.status} ${JSON.stringify(bulk.body).slice(0, 300)}`);

    // The call is done when every token is written and every shim signalled; each shim then
    // confirms its new token with a heartbeat. For the record: when the last of them had.
    const confirmedMs = await allConfirmed(hub.dataDir, bulkStartedAt);

    const { body: list } = await call<{ items: Array<{ id: string }> }>(
      "GET",
      "/api/v1/agents?phase=running&limit=500",
    );
    const beforeOneByOne = await settle({ minMs: 30_000 });
    console.log(`  machine settled after ${beforeOneByOne.waitedMs} ms (${beforeOneByOne.busy}% busy)`);
    const cpuBeforeOneByOne = cpuByRole();
    const oneByOneStarted = performance.now();
    for (const agent of list.items) {
      const res = await call<{ ok: boolean }>("POST", `/api/v1/agents/${agent.id}/reset-auth`);
      if (!res.body.ok) throw new Error(`reset-auth of ${agent.id} failed`);
    }
    const oneByOneMs = performance.now() - oneByOneStarted;
    const oneByOneCpu = cpuSpent(cpuBeforeOneByOne, cpuByRole());

    const result = {
      createToRunning,
      directTmuxStart: directStart,
      createToRunningRatioP50: Math.round((createToRunning.p50Ms / directStart.p50Ms) * 100) / 100,
      fleet: { agents: RESET_AGENTS, secondsToStart: Math.round(fleetSeconds * 10) / 10 },
      resetAuthAll: {
        agents: bulk.body.total,
        succeeded: bulk.body.succeeded,
        signalled: bulk.body.results.filter((r) => r.signalled).length,
        ms: Math.round(bulkMs),
        allConfirmedMs: confirmedMs,
        cpu: bulkCpu,
      },
      resetAuthOneByOne: { agents: list.items.length, ms: Math.round(oneByOneMs), cpu: oneByOneCpu },
      resetAuthSpeedup: Math.round((oneByOneMs / bulkMs) * 100) / 100,
    };
    console.table({
      "create → running (hub)": { "p50 ms": createToRunning.p50Ms, "p99 ms": createToRunning.p99Ms },
      "tmux new-session (direct)": { "p50 ms": directStart.p50Ms, "p99 ms": directStart.p99Ms },
    });
    console.log(`create-to-running p50 is ${result.createToRunningRatioP50}× a bare tmux start`);
    console.log(
      `reset-auth-all of ${bulk.body.total} running agents: ${result.resetAuthAll.ms} ms (${result.resetAuthAll.signalled} signalled; every shim had confirmed its new token ${confirmedMs} ms after the call began); one request at a time: ${result.resetAuthOneByOne.ms} ms; bulk is ${result.resetAuthSpeedup}× faster`,
    );
    console.log(`  CPU of reset-auth-all: ${bulkCpu}\n  CPU one at a time: ${oneByOneCpu}`);
    const rows: BenchRow[] = [
      {
        path: "agent start (reference)",
        subject: `create → running p50 ${createToRunning.p50Ms} ms, p99 ${createToRunning.p99Ms} ms`,
        baseline: `tmux new-session directly: p50 ${directStart.p50Ms} ms`,
        ratio: result.createToRunningRatioP50,
        target: "none: what the hub, broker and shim add",
        pass: true,
      },
      {
        path: "bulk reset-auth",
        subject: `${bulk.body.total} running agents: ${(bulkMs / 1000).toFixed(1)} s (all confirmed by their shims after ${(confirmedMs / 1000).toFixed(1)} s)`,
        baseline: `${list.items.length} sequential single resets: ${(oneByOneMs / 1000).toFixed(1)} s`,
        ratio: result.resetAuthSpeedup,
        target: "< 10 s and ≥ 3× faster than sequential",
        pass: bulkMs < 10_000 && result.resetAuthSpeedup >= 3,
      },
    ];
    return { rows, ...result };
  } finally {
    for (const id of await direct.listRunning()) await direct.remove(id);
    await hub.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Milliseconds from `since` until every running agent has reported after it (only its new token is accepted then), to 0.1 s. */
async function allConfirmed(dataDir: string, since: Date, timeoutMs = 60_000): Promise<number> {
  const client = new pg.Client({ connectionString: embeddedDatabaseUrl(dataDir) });
  await client.connect();
  try {
    for (;;) {
      const { rows } = await client.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM agents WHERE phase = 'running' AND ("lastSeen" IS NULL OR "lastSeen" < $1)`,
        [since],
      );
      if (rows[0]!.waiting === 0) return Date.now() - since.getTime();
      if (Date.now() - since.getTime() > timeoutMs)
        throw new Error(`${rows[0]!.waiting} agents never confirmed their new token`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await client.end();
  }
}
