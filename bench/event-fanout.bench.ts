/**
 * Event fan-out: 1,000 SSE clients on one hub (GET /api/v1/events?sub=project.<id>.agent.>), a
 * quarter of them admins, half members of the agents' project and a quarter people outside it,
 * ten streams per person, while status ingest runs: heartbeats from every agent on 10 connections
 * and, paced at BENCH_FANOUT_RATE changes a second, activity changes whose detail carries the time
 * they were sent. Every entitled client must receive every change exactly once and no outsider
 * any; the latency is from the status POST being sent to the client reading the event. Memory
 * per idle client is the hub's RSS growth from opening the streams (after they settled) divided
 * by their number. Targets: p99 < 100 ms, < 50 KiB per idle client. No baseline: the figures are
 * absolute.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import * as hdr from "hdr-histogram-js";
import { mintAgentToken } from "../lib/auth/agent-token";
import { createDatabase } from "../lib/db/create-database";
import type { Logger } from "../lib/log/create-logger";
import { createApiToken } from "../lib/tokens/create-api-token";
import { embeddedDatabaseUrl, startBenchHub } from "./lib/bench-hub";
import { expectOk, loadOptionsFromEnv } from "./lib/measure";
import { round, type BenchResult } from "./lib/summary";

const AGENTS = 100;
const CLIENTS = Number(process.env.BENCH_FANOUT_CLIENTS ?? 1000);
const STREAMS_PER_PERSON = 10;
const RATE = Number(process.env.BENCH_FANOUT_RATE ?? 10);
const SECRET = "bench-event-fanout-session-secret-0123456789";

type Kind = "admin" | "member" | "outsider";
interface Client {
  kind: Kind;
  received: Map<number, number>;
  resyncs: number;
  duplicates: number;
  close: () => void;
}

export async function run(): Promise<BenchResult & Record<string, unknown>> {
  const { durationSeconds } = loadOptionsFromEnv();
  const hub = await startBenchHub({
    env: { SESSION_SECRET: SECRET, SCION_RATE_LIMIT_EVENT_STREAMS: "0", SCION_RATE_LIMIT_TOKENS_PER_HOUR: "0" },
  });
  const db = createDatabase(
    embeddedDatabaseUrl(hub.dataDir),
    { poolMax: 2, idleTimeoutMs: 10_000, maxLifetimeSeconds: 0, connectTimeoutMs: 5000 },
    { warn: () => undefined } as unknown as Logger,
  );
  const clients: Client[] = [];
  const httpAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  try {
    const admin = `Bearer ${fs.readFileSync(path.join(hub.dataDir, "dev-token"), "utf8").trim()}`;
    const call = async (method: string, pathname: string, body?: unknown) =>
      (await expectOk(
        await fetch(`${hub.url}${pathname}`, {
          method,
          headers: { authorization: admin, "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
        `${method} ${pathname}`,
      ).then((r) => r.json())) as { id: string };
    const project = await call("POST", "/api/v1/projects", { name: "fanout" });
    const agents: Array<{ id: string; auth: string }> = [];
    for (let i = 0; i < AGENTS; i++) {
      const { id } = await call("POST", "/api/v1/agents", { projectId: project.id, name: `agent-${i}` });
      const { token } = await mintAgentToken(SECRET, { id, tokenVersion: 0 }, 3_600_000, ["agent:status"]);
      agents.push({ id, auth: `Bearer ${token}` });
    }

    // People: a quarter admins, half project members, a quarter outsiders; ten streams each.
    const people = CLIENTS / STREAMS_PER_PERSON;
    const kinds: Kind[] = Array.from({ length: people }, (_, i) =>
      i < people / 4 ? "admin" : i < (people * 3) / 4 ? "member" : "outsider",
    );
    const tokens: Array<{ kind: Kind; auth: string }> = [];
    for (const [i, kind] of kinds.entries()) {
      const user = await db.prisma.user.create({
        data: { email: `fanout-${i}@example.com`, name: `Fan-out ${i}`, role: kind === "admin" ? "admin" : "member" },
      });
      if (kind === "member") await call("POST", `/api/v1/projects/${project.id}/members`, { userId: user.id });
      const { token } = await createApiToken(db.prisma, SECRET, user.id, { name: "bench", expiresInDays: 1 });
      tokens.push({ kind, auth: `Bearer ${token}` });
    }

    const rssBefore = await hubRss(hub.url, admin);
    const sub = `project.${project.id}.agent.>`;
    for (const { kind, auth } of tokens)
      for (let k = 0; k < STREAMS_PER_PERSON; k++)
        clients.push(await openStream(hub.url, httpAgent, auth, kind, `/api/v1/events?sub=${encodeURIComponent(sub)}`));
    await sleep(5000);
    const rssAfter = await hubRss(hub.url, admin);
    const perClientKiB = (rssAfter - rssBefore) / 1024 / clients.length;
    console.log(
      `event-fanout: ${clients.length} streams open (${tokens.length} people); hub RSS ${mib(rssBefore)} → ${mib(rssAfter)} MiB, ${perClientKiB.toFixed(1)} KiB per idle client`,
    );

    // Status ingest: heartbeats on 10 connections all along, and paced activity changes.
    let stop = false;
    let heartbeats = 0;
    const heartbeatLoops = Array.from({ length: 10 }, async (_, w) => {
      for (let i = w; !stop; i += 10) {
        const agent = agents[i % agents.length]!;
        await post(hub.url, agent.id, agent.auth, { heartbeat: true });
        heartbeats++;
      }
    });
    const sentAt = new Map<number, number>();
    const problems: string[] = [];
    const started = performance.now();
    const changes = Math.round(durationSeconds * RATE);
    for (let seq = 0; seq < changes; seq++) {
      await sleep(Math.max(0, started + (seq * 1000) / RATE - performance.now()));
      const agent = agents[seq % agents.length]!;
      sentAt.set(seq, performance.now());
      void post(hub.url, agent.id, agent.auth, {
        activity: seq % 2 ? "executing" : "thinking",
        detail: `fanout ${seq}`,
        hookEvent: seq % 2 ? "tool-start" : "tool-end",
      }).catch((err: Error) => problems.push(`change ${seq}: ${err.message}`));
    }
    await sleep(2000);
    stop = true;
    await Promise.all(heartbeatLoops);

    const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000 });
    for (const [i, c] of clients.entries()) {
      if (c.resyncs > 0) problems.push(`client ${i} (${c.kind}) was told to resync ${c.resyncs}×`);
      if (c.duplicates > 0) problems.push(`client ${i} (${c.kind}) received ${c.duplicates} changes twice`);
      if (c.kind === "outsider") {
        if (c.received.size > 0) problems.push(`outsider client ${i} received ${c.received.size} changes`);
        continue;
      }
      if (c.received.size !== changes) problems.push(`client ${i} (${c.kind}) received ${c.received.size}/${changes}`);
      for (const [seq, at] of c.received)
        histogram.recordValue(Math.max(1, Math.round((at - sentAt.get(seq)!) * 1000)));
    }
    const p50 = round(histogram.getValueAtPercentile(50) / 1000, 1);
    const p99 = round(histogram.getValueAtPercentile(99) / 1000, 1);
    const deliveries = histogram.totalCount;
    histogram.destroy();
    console.log(
      `event-fanout: ${changes} changes (${RATE}/s) to ${clients.filter((c) => c.kind !== "outsider").length} entitled clients, ${deliveries} deliveries, p50 ${p50} ms, p99 ${p99} ms; ${heartbeats} heartbeats meanwhile`,
    );
    if (problems.length > 0) throw new Error(`fan-out check failed: ${problems.slice(0, 5).join("; ")}`);
    return {
      rows: [
        {
          path: "event fan-out",
          subject: `${clients.length} SSE clients, ${changes} changes at ${RATE}/s during ingest: p50 ${p50} ms, p99 ${p99} ms; ${perClientKiB.toFixed(1)} KiB per idle client`,
          baseline: "—",
          ratio: null,
          target: "p99 < 100 ms, < 50 KiB per idle client",
          pass: p99 < 100 && perClientKiB < 50,
        },
      ],
      clients: clients.length,
      changes,
      deliveries,
      p50,
      p99,
      perClientKiB,
    };
  } finally {
    for (const c of clients) c.close();
    httpAgent.destroy();
    await db.close();
    await hub.stop();
  }
}

/** Opens one SSE stream; resolves once the hub said it is connected. */
function openStream(base: string, agent: http.Agent, auth: string, kind: Kind, pathname: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client: Client = { kind, received: new Map(), resyncs: 0, duplicates: 0, close: () => req.destroy() };
    const req = http.get(`${base}${pathname}`, { agent, headers: { authorization: auth } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`opening a stream: HTTP ${res.statusCode}`));
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        const now = performance.now();
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (frame.includes(": connected")) resolve(client);
          if (frame.startsWith("event: resync")) client.resyncs++;
          if (!frame.startsWith("event: update")) continue;
          const data = JSON.parse(frame.slice(frame.indexOf("data: ") + 6)) as { data: { detail?: string } };
          const m = /^fanout (\d+)$/.exec(data.data.detail ?? "");
          if (m && !client.received.has(Number(m[1]))) client.received.set(Number(m[1]), now);
          else if (m) client.duplicates++;
        }
      });
    });
    req.on("error", (err) => reject(err));
  });
}

function post(base: string, agentId: string, auth: string, body: unknown): Promise<void> {
  return fetch(`${base}/api/v1/agents/${agentId}/status`, {
    method: "POST",
    headers: { authorization: auth, "content-type": "application/json" },
    body: JSON.stringify(body),
  }).then(async (res) => {
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`status report: HTTP ${res.status}`);
  });
}

async function hubRss(base: string, auth: string): Promise<number> {
  const text = await (
    await expectOk(await fetch(`${base}/metrics`, { headers: { authorization: auth } }), "/metrics")
  ).text();
  const m = /^scion_hub_process_resident_memory_bytes (\d+)/m.exec(text);
  if (!m) throw new Error("/metrics has no scion_hub_process_resident_memory_bytes");
  return Number(m[1]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (bytes: number) => (bytes / 1048576).toFixed(0);
