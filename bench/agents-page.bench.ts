/**
 * The dashboard's agents page (GET /, a React server component reading the first page of
 * agents from the database) with 10,000 agents, as the signed-in dev admin: time to first byte
 * and to the whole page, one request at a time; against a bare Node http server sending the
 * same HTML, in the same run. Target: TTFB p50 under 50 ms.
 */
import http from "node:http";
import { startBareServer } from "./lib/bare-server";
import { analyzeDatabase, startBenchHub } from "./lib/bench-hub";
import { hubClient, summarize } from "./lib/hub-client";
import { round, type BenchResult } from "./lib/summary";

const AGENTS = Number(process.env.BENCH_PAGE_AGENTS ?? 10_000);
const TARGET_MS = 50;
const REQUESTS = Number(process.env.BENCH_PAGE_REQUESTS ?? 200);
const WARMUP = 20;

interface Timing {
  ttfbMs: number;
  totalMs: number;
  status: number;
  body: string;
}

function get(url: string, cookie?: string): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let first = 0;
    const req = http.get(url, { headers: { accept: "text/html", ...(cookie && { cookie }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => {
        if (!first) first = performance.now();
        chunks.push(c);
      });
      res.on("end", () =>
        resolve({
          ttfbMs: (first || performance.now()) - started,
          totalMs: performance.now() - started,
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
    req.on("error", reject);
  });
}

async function series(url: string, cookie?: string) {
  for (let i = 0; i < WARMUP; i++) await get(url, cookie);
  const ttfb: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t = await get(url, cookie);
    if (t.status !== 200) throw new Error(`${url}: HTTP ${t.status}`);
    ttfb.push(t.ttfbMs);
    total.push(t.totalMs);
  }
  return { ttfb: summarize(ttfb), total: summarize(total) };
}

export async function run(): Promise<BenchResult> {
  const hub = await startBenchHub();
  let bare: Awaited<ReturnType<typeof startBareServer>> | undefined;
  try {
    const { call } = hubClient(hub.url, hub.dataDir);
    const { body: project } = await call<{ id: string }>("POST", "/api/v1/projects", { name: "page-bench" });
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < AGENTS) {
          const i = next++;
          const res = await call("POST", "/api/v1/agents", {
            projectId: project.id,
            name: `page-agent-${i}`,
            task: `task ${i}: ${"lorem ipsum ".repeat(8)}`,
          });
          if (res.status !== 201) throw new Error(`seeding agent ${i}: HTTP ${res.status}`);
        }
      }),
    );
    await analyzeDatabase(hub.dataDir);
    // Dev mode signs a page request in and sets the session cookie; keep it for the series.
    const first = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get(`${hub.url}/`, { headers: { accept: "text/html" } }, resolve).on("error", reject),
    );
    first.resume();
    if (first.statusCode !== 200) throw new Error(`GET / for the session cookie: HTTP ${first.statusCode}`);
    const cookie = (first.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ");
    const sample = await get(`${hub.url}/`, cookie);
    if (sample.status !== 200 || !sample.body.includes("page-agent-"))
      throw new Error(`the agents page did not render the agents (HTTP ${sample.status})`);
    bare = await startBareServer(sample.body);
    console.log(
      `agents-page: ${AGENTS} agents, ${REQUESTS} sequential requests after ${WARMUP} warm-up; page ${Math.round(sample.body.length / 1024)} KiB`,
    );
    const subject = await series(`${hub.url}/`, cookie);
    const baseline = await series(bare.url);
    console.table({
      "hub GET / (agents page)": {
        "TTFB p50 ms": subject.ttfb.p50Ms,
        "TTFB p99 ms": subject.ttfb.p99Ms,
        "full page p50 ms": subject.total.p50Ms,
      },
      "bare node http, same HTML": {
        "TTFB p50 ms": baseline.ttfb.p50Ms,
        "TTFB p99 ms": baseline.ttfb.p99Ms,
        "full page p50 ms": baseline.total.p50Ms,
      },
    });
    const pass = subject.ttfb.p50Ms < TARGET_MS;
    const ratio = round(subject.ttfb.p50Ms / baseline.ttfb.p50Ms, 1);
    console.log(
      `TTFB p50 ${subject.ttfb.p50Ms} ms — ${pass ? "under" : "OVER"} the ${TARGET_MS} ms target; ${ratio}× the bare server`,
    );
    return {
      rows: [
        {
          path: "dashboard first paint",
          subject: `GET / with ${AGENTS} agents: TTFB p50 ${subject.ttfb.p50Ms} ms, p99 ${subject.ttfb.p99Ms} ms`,
          baseline: `bare server, same HTML: TTFB p50 ${baseline.ttfb.p50Ms} ms`,
          ratio,
          target: `TTFB p50 < ${TARGET_MS} ms`,
          pass,
        },
      ],
      agents: AGENTS,
      subject,
      baseline,
    };
  } finally {
    bare?.stop();
    await hub.stop();
  }
}
