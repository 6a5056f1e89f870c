/**
 * `scion list` against a local hub (20 agents, the table off a TTY), from process start to exit,
 * against two baselines measured in the same run: a bare `node -e 0` (the baseline), and a
 * bare node script making the same three requests (so the hub's own answer time, which no CLI can
 * shorten, is told apart from what the command line adds). The bar is under 300 ms for `scion list`. The bundle is built (once) before
 * measuring, as a person's first run would; runs alternate so both see the same machine load.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startBenchHub } from "./lib/bench-hub";
import type { BenchResult } from "./lib/summary";

const ROOT = path.resolve(import.meta.dirname, "..");
const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 15);

function time(args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const res = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (res.status !== 0) throw new Error(`${args.join(" ")} exited ${res.status}: ${res.stderr}`);
  return ms;
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

export async function run(): Promise<BenchResult> {
  const hub = await startBenchHub();
  const config = fs.mkdtempSync(path.join(os.tmpdir(), "scion-cli-bench-"));
  try {
    const token = fs.readFileSync(path.join(hub.dataDir, "dev-token"), "utf8").trim();
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const project = (await (
      await fetch(`${hub.url}/api/v1/projects`, { method: "POST", headers, body: JSON.stringify({ name: "bench" }) })
    ).json()) as { id: string };
    for (let i = 0; i < 20; i++)
      await fetch(`${hub.url}/api/v1/agents`, {
        method: "POST",
        headers,
        body: JSON.stringify({ projectId: project.id, name: `agent-${i}`, task: `task number ${i}` }),
      });
    const env: NodeJS.ProcessEnv = {
      NODE_ENV: "production",
      PATH: process.env.PATH,
      HOME: os.homedir(),
      XDG_CONFIG_HOME: config,
      SCION_HUB: hub.url,
      SCION_TOKEN: token,
    };
    // The same three requests `scion list` makes, from a bare node script: what the hub costs.
    // With node:http, as the command line sends them (a first fetch would add undici's load and
    // its parser's WebAssembly, about 250 ms here, to the baseline).
    const fetchOnly = [
      "--input-type=module",
      "-e",
      `import http from "node:http";
       const h = { authorization: "Bearer " + process.env.SCION_TOKEN };
       const u = process.env.SCION_HUB;
       const get = (p) => new Promise((resolve, reject) => http.get(u + p, { headers: h }, (res) => {
         let text = ""; res.on("data", (c) => (text += c));
         res.on("end", () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(String(res.statusCode)))));
       }).on("error", reject));
       await Promise.all(["/api/v1/agents?limit=50&sort=created", "/api/v1/projects?limit=500", "/api/v1/runtime-brokers?limit=500"].map(get));`,
    ];
    const list = [path.join(ROOT, "bin", "scion.mjs"), "list"];
    time(list, env); // builds the bundle if it is stale, and warms the hub's route
    time(list, env);
    const subject: number[] = [];
    const baseline: number[] = [];
    const requests: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      baseline.push(time(["-e", "0"], env));
      requests.push(time(fetchOnly, env));
      subject.push(time(list, env));
    }
    const figures = {
      runs: RUNS,
      scionListMedianMs: Math.round(pct(subject, 0.5)),
      scionListP90Ms: Math.round(pct(subject, 0.9)),
      nodeBaselineMedianMs: Math.round(pct(baseline, 0.5)),
      ratio: Number((pct(subject, 0.5) / pct(baseline, 0.5)).toFixed(2)),
      overheadMedianMs: Math.round(pct(subject, 0.5) - pct(baseline, 0.5)),
      bareFetchMedianMs: Math.round(pct(requests, 0.5)),
      ratioToBareFetch: Number((pct(subject, 0.5) / pct(requests, 0.5)).toFixed(2)),
      cliOwnCostMedianMs: Math.round(pct(subject, 0.5) - pct(requests, 0.5)),
      loadAverage: os.loadavg()[0] ?? 0,
    };
    console.log(
      `cli-startup: scion list median ${figures.scionListMedianMs} ms (p90 ${figures.scionListP90Ms} ms), ` +
        `node -e 0 median ${figures.nodeBaselineMedianMs} ms, ratio ${figures.ratio}x, ` +
        `${figures.overheadMedianMs} ms over bare node; the same requests from a bare node script ` +
        `${figures.bareFetchMedianMs} ms (ratio ${figures.ratioToBareFetch}x, the CLI's own cost ${figures.cliOwnCostMedianMs} ms); ` +
        `load average ${figures.loadAverage.toFixed(1)}; bar: < 300 ms`,
    );
    const pass = figures.scionListMedianMs < 300;
    return {
      rows: [
        {
          path: "CLI start-up (scion list, 20 agents)",
          subject: `median ${figures.scionListMedianMs} ms, p90 ${figures.scionListP90Ms} ms`,
          baseline: `node -e 0: ${figures.nodeBaselineMedianMs} ms; the same requests from bare node: ${figures.bareFetchMedianMs} ms`,
          ratio: figures.ratio,
          target: "< 300 ms",
          pass,
        },
      ],
      ...figures,
    };
  } finally {
    fs.rmSync(config, { recursive: true, force: true });
    await hub.stop();
  }
}
