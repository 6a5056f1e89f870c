/**
 * The user API list: GET /api/v1/agents?limit=50 filtered by project and sorted by name, with
 * 10,000 agents in the database (half of them in that project), as an admin with an API token
 * (authentication, the paged query and JSON through Next.js), against a Next.js route handler
 * answering the same bytes (/api/bench/fixed), in the same run. Target: ≥ 0.6× its throughput and
 * p99 under 100 ms. Then, for reference, one agent read by id (GET /api/v1/agents/{id}, the read
 * every agent route and the agent page start with) one request at a time, as a person's clicks
 * come, against the same handler answering that agent's bytes one at a time.
 */
import fs from "node:fs";
import path from "node:path";
import { analyzeDatabase, startBenchHub } from "./lib/bench-hub";
import { cpuByRole, cpuPerRequest } from "./lib/cpu-by-role";
import {
  expectOk,
  loadOptionsFromEnv,
  measure,
  printComparison,
  type LoadOptions,
  type Measurement,
} from "./lib/measure";
import { seedAgents } from "./lib/seed-agents";
import { round, type BenchResult } from "./lib/summary";

const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);

export async function run(): Promise<
  BenchResult & {
    agents: number;
    subject: Measurement;
    baseline: Measurement;
    one: { subject: WithCpu; baseline: WithCpu };
  }
> {
  const opts = loadOptionsFromEnv();
  const fixedBody = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "scion-bench-body-")), "body");
  const hub = await startBenchHub({ env: { SCION_BENCH_FIXED_BODY: fixedBody } });
  try {
    const url = hub.url;
    const token = fs.readFileSync(path.join(hub.dataDir, "dev-token"), "utf8").trim();
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const projectId = await seed(url, headers);
    await analyzeDatabase(hub.dataDir);
    const routeUrl = `${url}/api/v1/agents?limit=50&projectId=${projectId}&sort=name&order=asc`;
    const first = await fetch(routeUrl, { headers });
    const bytes = await first.text();
    if (first.status !== 200 || (JSON.parse(bytes) as { items: unknown[] }).items.length !== 50)
      throw new Error(`unexpected answer ${first.status}`);
    fs.writeFileSync(fixedBody, bytes);
    const fixedUrl = `${url}/api/bench/fixed`;
    if ((await (await expectOk(await fetch(fixedUrl), "the fixed-bytes route")).text()) !== bytes)
      throw new Error("the fixed-bytes route does not answer the list's bytes");

    console.log(
      `agents-list: ${AGENTS} agents; ${opts.connections} connections, ${opts.warmupSeconds} s warm-up, ${opts.durationSeconds} s measured each; body ${bytes.length} bytes`,
    );
    const subject = await measureWithCpu("hub GET /api/v1/agents?limit=50 (project, by name)", routeUrl, opts, {
      authorization: headers.authorization,
    });
    const baseline = await measureWithCpu("Next route handler, same bytes", fixedUrl, opts, {});
    printComparison(subject, baseline);
    console.log(`CPU per request: the list ${subject.cpu}; the fixed bytes ${baseline.cpu}`);
    const ratio = round(subject.requestsPerSecond / baseline.requestsPerSecond, 3);

    // One agent by id, one request at a time, against the same handler answering that agent's bytes;
    // with the hub's CPU per request, steadier than one connection's throughput on a shared host.
    const oneUrl = `${url}/api/v1/agents/${(JSON.parse(bytes) as { items: Array<{ id: string }> }).items[0]!.id}`;
    const oneBytes = await (await expectOk(await fetch(oneUrl, { headers }), "reading one agent")).text();
    fs.writeFileSync(fixedBody, oneBytes);
    const auth = { authorization: headers.authorization };
    const one = {
      subject: await oneAtATime("hub GET /api/v1/agents/{id}, one at a time", oneUrl, opts, auth),
      baseline: await oneAtATime("Next route handler, same bytes, one at a time", fixedUrl, opts, {}),
    };
    printComparison(one.subject, one.baseline);
    console.log(
      `hub CPU per request, one at a time: ${one.subject.hubCpuUs} µs reading the agent, ${one.baseline.hubCpuUs} µs for the fixed bytes`,
    );
    const oneRatio = round(one.subject.hubCpuUs / one.baseline.hubCpuUs, 3);
    return {
      rows: [
        {
          path: "user API list",
          subject: `GET /api/v1/agents?limit=50, ${AGENTS} agents, filter + sort: ${Math.round(subject.requestsPerSecond)} req/s, p99 ${subject.p99Ms} ms`,
          baseline: `Next route handler, same bytes: ${Math.round(baseline.requestsPerSecond)} req/s, p99 ${baseline.p99Ms} ms`,
          ratio,
          target: "≥ 0.6× and p99 < 100 ms",
          pass: ratio >= 0.6 && subject.p99Ms < 100,
        },
        {
          path: "user API read one agent, hub CPU per request (reference)",
          subject: `GET /api/v1/agents/{id}, one at a time: ${one.subject.hubCpuUs} µs; ${Math.round(one.subject.requestsPerSecond)} req/s, p99 ${one.subject.p99Ms} ms`,
          baseline: `Next route handler, same bytes, one at a time: ${one.baseline.hubCpuUs} µs; ${Math.round(one.baseline.requestsPerSecond)} req/s`,
          ratio: oneRatio,
          target: "none: the read every agent route starts with (CPU, subject over baseline)",
          pass: true,
        },
      ],
      agents: AGENTS,
      subject,
      baseline,
      one,
    };
  } finally {
    await hub.stop();
    fs.rmSync(path.dirname(fixedBody), { recursive: true, force: true });
  }
}

type WithCpu = Measurement & { cpu: string; hubCpuUs: number };

/**
 * A warm-up, then the measured run with the CPU every role spent on it per request ("hub 812 µs,
 * postgres 240 µs, …") and the hub's alone: what a request cost where, steadier than throughput
 * on a shared host.
 */
async function measureWithCpu(
  label: string,
  url: string,
  opts: LoadOptions,
  headers: Record<string, string>,
): Promise<WithCpu> {
  if (opts.warmupSeconds > 0)
    await measure(label, url, { ...opts, durationSeconds: opts.warmupSeconds, warmupSeconds: 0 }, headers);
  const before = cpuByRole();
  const m = await measure(label, url, { ...opts, warmupSeconds: 0 }, headers);
  const after = cpuByRole();
  const hubMs = (after.get("hub") ?? 0) - (before.get("hub") ?? 0);
  return { ...m, cpu: cpuPerRequest(before, after, m.requests), hubCpuUs: Math.round((hubMs * 1000) / m.requests) };
}

/** One connection, one request at a time, after a warm-up (a person's clicks). */
function oneAtATime(label: string, url: string, opts: LoadOptions, headers: Record<string, string>): Promise<WithCpu> {
  return measureWithCpu(label, url, { ...opts, connections: 1 }, headers);
}

/** Creates the agents through the API, a few at a time, with progress, alternating between two projects; returns the first. */
async function seed(url: string, headers: Record<string, string>): Promise<string> {
  const projects: string[] = [];
  for (const name of ["bench", "other"]) {
    const res = await expectOk(
      await fetch(`${url}/api/v1/projects`, { method: "POST", headers, body: JSON.stringify({ name }) }),
      "creating a project",
    );
    projects.push(((await res.json()) as { id: string }).id);
  }
  await seedAgents(
    url,
    headers,
    AGENTS,
    (i) => ({ projectId: projects[i % 2], name: `agent-${i}`, task: `task number ${i}` }),
    1000,
  );
  return projects[0]!;
}
