/**
 * Status ingest (server.ts's machine route): POST /api/v1/agents/{id}/status from 1,000 agents,
 * each with its own agent token, over 50 connections, against a bare Node server answering 204 to
 * the same requests in the same run.
 * (a) heartbeats only; target ≥ 5,000 req/s with p99 < 30 ms.
 * (b) activity changes with a detail, as harness hooks send on every tool call (thinking ⇄
 *     executing, `detail: "step N"`); target ≥ 1,500 req/s with p99 < 50 ms, and every change in
 *     the agent's history exactly once and in order: each agent's recorded steps must be 1, 2, …
 *     with no gap or repeat, up to the last step sent (one still in flight when the load stopped
 *     may be missing).
 * Each connection owns its agents (agent i belongs to connection i mod 50) and sends one request
 * at a time, built just before it goes (bench/lib/sequential-load.ts), so each agent's reports are
 * sent in a known order; the baseline is loaded the same way.
 */
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { mintAgentToken } from "../lib/auth/agent-token";
import { startBareServer } from "./lib/bare-server";
import { cpuByRole, cpuPerRequest as cpuSpentPerRequest } from "./lib/cpu-by-role";
import { embeddedDatabaseUrl, startBenchHub } from "./lib/bench-hub";
import { expectOk, loadOptionsFromEnv, printComparison, type Measurement } from "./lib/measure";
import { measureSequential, type NextRequest } from "./lib/sequential-load";
import { seedAgents } from "./lib/seed-agents";
import { round, type BenchResult } from "./lib/summary";

const AGENTS = Number(process.env.BENCH_AGENTS ?? 1000);
const SECRET = "bench-status-ingest-session-secret-0123456789";

interface AgentSlot {
  id: string;
  auth: string;
  /** The last step sent (activity changes). */
  step: number;
}

export async function run(): Promise<
  BenchResult & { agents: number; baseline: Measurement; heartbeats: Measurement; changes: Measurement }
> {
  const opts = loadOptionsFromEnv();
  const hub = await startBenchHub({ env: { SESSION_SECRET: SECRET } });
  const bare = await startBareServer("", undefined, 204);
  try {
    const token = fs.readFileSync(path.join(hub.dataDir, "dev-token"), "utf8").trim();
    const ids = await seed(hub.url, { authorization: `Bearer ${token}`, "content-type": "application/json" });
    const agents: AgentSlot[] = await Promise.all(
      ids.map(async (id) => ({
        id,
        auth: `Bearer ${(await mintAgentToken(SECRET, { id, tokenVersion: 0 }, 3_600_000, ["agent:status"])).token}`,
        step: 0,
      })),
    );
    const probe = await fetch(`${hub.url}/api/v1/agents/${agents[0]!.id}/status`, {
      method: "POST",
      headers: { authorization: agents[0]!.auth, "content-type": "application/json" },
      body: JSON.stringify({ heartbeat: true }),
    });
    await expectOk(probe, "a heartbeat with a minted agent token");

    console.log(
      `status-ingest: ${AGENTS} agents; ${opts.connections} connections, ${opts.warmupSeconds} s warm-up, ${opts.durationSeconds} s measured each`,
    );
    const heartbeat = JSON.stringify({ heartbeat: true });
    const baseline = await measureSequential("bare Node answering 204", bare.url, opts, () => ({
      path: "/",
      headers: { authorization: agents[0]!.auth, "content-type": "application/json" },
      body: heartbeat,
    }));
    const heartbeatCpu = cpuPerRequest();
    const heartbeats = await measureSequential(
      "hub: heartbeats",
      hub.url,
      opts,
      load(agents, opts.connections, () => heartbeat),
      heartbeatCpu.edge,
    );
    printComparison(heartbeats, baseline);
    console.log(`CPU per heartbeat: ${heartbeatCpu.perRequest(heartbeats.requests)}`);
    const changeCpu = cpuPerRequest();
    const changes = await measureSequential(
      "hub: activity changes with detail",
      hub.url,
      opts,
      load(agents, opts.connections, (agent) => {
        const step = ++agent.step;
        const working = step % 2 === 1;
        return JSON.stringify({
          activity: working ? "executing" : "thinking",
          detail: `step ${step}`,
          hookEvent: working ? "tool-start" : "tool-end",
        });
      }),
      changeCpu.edge,
    );
    printComparison(changes, baseline);
    console.log(`CPU per activity change: ${changeCpu.perRequest(changes.requests)}`);
    const history = await checkHistory(embeddedDatabaseUrl(hub.dataDir), agents);
    console.log(
      `history: ${history.recorded} changes recorded for ${history.sent} sent; ${history.problems.length} agents out of order or with gaps`,
    );
    if (history.problems.length > 0)
      throw new Error(`history check failed: ${history.problems.slice(0, 5).join("; ")}`);

    const a = round(heartbeats.requestsPerSecond / baseline.requestsPerSecond, 3);
    const b = round(changes.requestsPerSecond / baseline.requestsPerSecond, 3);
    const base = `bare Node 204: ${Math.round(baseline.requestsPerSecond)} req/s, p99 ${baseline.p99Ms} ms`;
    return {
      rows: [
        {
          path: "status ingest (a) heartbeats",
          subject: `${AGENTS} agents: ${Math.round(heartbeats.requestsPerSecond)} req/s, p99 ${heartbeats.p99Ms} ms`,
          baseline: base,
          ratio: a,
          target: "≥ 5,000 req/s, p99 < 30 ms",
          pass: heartbeats.requestsPerSecond >= 5000 && heartbeats.p99Ms < 30,
        },
        {
          path: "status ingest (b) activity changes",
          subject: `${AGENTS} agents: ${Math.round(changes.requestsPerSecond)} req/s, p99 ${changes.p99Ms} ms; history ${history.recorded}/${history.sent} in order`,
          baseline: base,
          ratio: b,
          target: "≥ 1,500 req/s, p99 < 50 ms, history exact",
          pass: changes.requestsPerSecond >= 1500 && changes.p99Ms < 50,
        },
      ],
      agents: AGENTS,
      baseline,
      heartbeats,
      changes,
    };
  } finally {
    bare.stop();
    await hub.stop();
  }
}

/**
 * CPU time by role (hub, postgres, the bench's own load) over a measured run, per request: the
 * figure that says where a request's cost went, steadier than throughput on a shared machine.
 */
function cpuPerRequest() {
  let before = new Map<string, number>();
  let after = new Map<string, number>();
  return {
    edge: (edge: "start" | "end") => {
      if (edge === "start") before = cpuByRole();
      else after = cpuByRole();
    },
    perRequest: (requests: number) => cpuSpentPerRequest(before, after, requests),
  };
}

/**
 * Requests for worker w go to its own agents (those whose index is w modulo the workers) in turn,
 * each with that agent's token and the body `body` makes for it just before it is sent.
 */
function load(
  agents: AgentSlot[],
  workers: number,
  body: (agent: AgentSlot) => string,
): (worker: number) => NextRequest {
  const turns = new Array<number>(workers).fill(0);
  return (worker) => {
    const owned = Math.ceil((agents.length - worker) / workers);
    const agent = agents[worker + workers * (turns[worker]!++ % owned)]!;
    return {
      path: `/api/v1/agents/${agent.id}/status`,
      headers: { authorization: agent.auth, "content-type": "application/json" },
      body: body(agent),
    };
  };
}

/** Every agent's recorded steps, oldest first, must be 1…r with r at least its last step sent less one. */
async function checkHistory(
  databaseUrl: string,
  agents: AgentSlot[],
): Promise<{ sent: number; recorded: number; problems: string[] }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ agentId: string; detail: string | null }>(
      `SELECT "agentId", detail FROM agent_state_changes ORDER BY "agentId", "createdAt", id`,
    );
    const byAgent = new Map<string, number[]>();
    for (const r of rows) {
      const m = /^step (\d+)$/.exec(r.detail ?? "");
      if (m) (byAgent.get(r.agentId) ?? byAgent.set(r.agentId, []).get(r.agentId)!).push(Number(m[1]));
    }
    const problems: string[] = [];
    let recorded = 0;
    let sent = 0;
    for (const agent of agents) {
      const steps = byAgent.get(agent.id) ?? [];
      recorded += steps.length;
      sent += agent.step;
      const exact = steps.every((s, i) => s === i + 1);
      if (!exact || steps.length < agent.step - 1 || steps.length > agent.step)
        problems.push(
          `${agent.id}: sent 1…${agent.step}, recorded ${steps.slice(0, 12).join(",")}${steps.length > 12 ? "…" : ""}`,
        );
    }
    return { sent, recorded, problems };
  } finally {
    await client.end();
  }
}

/** Creates the agents through the API (not started: a status report needs no broker), with progress. */
async function seed(url: string, headers: Record<string, string>): Promise<string[]> {
  const project = await expectOk(
    await fetch(`${url}/api/v1/projects`, { method: "POST", headers, body: JSON.stringify({ name: "ingest" }) }),
    "creating a project",
  );
  const projectId = ((await project.json()) as { id: string }).id;
  return seedAgents(url, headers, AGENTS, (i) => ({ projectId, name: `agent-${i}` }), 250);
}
