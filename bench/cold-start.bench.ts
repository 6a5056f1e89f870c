/**
 * Start-up: `npm start` (node scripts/start.mjs, what npm runs) until the hub prints that it is
 * ready, with the dashboard already built. The first start on a new data directory creates the
 * embedded Postgres cluster and applies every migration; the warm starts reuse it, as every start
 * after the first does. Target: warm start to ready < 1.5 s (median of BENCH_STARTS, default 5).
 * After each warm start's ready line it also times the first `GET /` (the dashboard, dev mode).
 * For reference, in the same run: `node -e 0` and loading the same TypeScript entry through tsx
 * without starting anything.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findFreePort } from "../lib/db/embedded-postgres";
import { round, type BenchResult } from "./lib/summary";

const ROOT = path.resolve(import.meta.dirname, "..");
const STARTS = Number(process.env.BENCH_STARTS ?? 5);

export async function run(): Promise<BenchResult & Record<string, unknown>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-bench-start-"));
  fs.chmodSync(dataDir, 0o755);
  try {
    const first = (await startOnce(dataDir)).ready;
    const starts: Array<{ ready: number; firstPage: number }> = [];
    for (let i = 0; i < STARTS; i++) starts.push(await startOnce(dataDir));
    const warm = starts.map((s) => s.ready);
    const median = medianOf(warm);
    const firstPage = medianOf(starts.map((s) => s.firstPage));
    const bareNode = timed(() => spawnSync(process.execPath, ["-e", "0"]));
    const tsxLoad = timed(() =>
      spawnSync(process.execPath, ["--import", "tsx", "-e", "0"], { cwd: ROOT, env: { ...process.env } }),
    );
    console.log(
      `cold-start: first start (new cluster, migrations) ${first} ms; warm starts ${warm.join(", ")} ms (median ${median} ms), then GET / ${starts.map((s) => s.firstPage).join(", ")} ms; node -e 0 ${bareNode} ms, node --import tsx -e 0 ${tsxLoad} ms`,
    );
    return {
      rows: [
        {
          path: "cold start",
          subject: `warm start to ready: median ${median} ms of ${STARTS}, then the first GET / ${firstPage} ms; first start ${first} ms`,
          baseline: `node -e 0: ${bareNode} ms; node --import tsx: ${tsxLoad} ms`,
          ratio: round(median / bareNode, 1),
          target: "warm start < 1,500 ms",
          pass: median < 1500,
        },
      ],
      first,
      warm,
      median,
      firstPage,
      bareNode,
      tsxLoad,
    };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Milliseconds from spawning `npm start`'s script to its ready line, and of the first `GET /` right
 * after it; then stops the hub (SIGTERM) and waits.
 */
async function startOnce(dataDir: string): Promise<{ ready: number; firstPage: number }> {
  const port = await findFreePort();
  const started = performance.now();
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/",
      NODE_ENV: "production",
      SCION_DATA_DIR: dataDir,
      PORT: String(port),
      SCION_LOG_LEVEL: "warn",
      SCION_LOCAL_BROKER: "false",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = await new Promise<number>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("Scion Hub ready at")) resolve(Math.round(performance.now() - started));
    });
    void exited.then((code) => reject(new Error(`the hub exited (${code}) before ready: ${err.slice(-500)}`)));
  });
  // What the first person to open the dashboard waits for: Next.js loads a route's module on its
  // first request (next.config.mjs), so the first page costs more than later ones.
  const pageStarted = performance.now();
  const page = await fetch(`http://127.0.0.1:${port}/`, { redirect: "manual" }).catch((e: Error) => e);
  const firstPage = Math.round(performance.now() - pageStarted);
  const pageStatus = page instanceof Error ? page.message : (await page.arrayBuffer(), page.status);
  child.kill("SIGTERM");
  const code = await exited;
  if (code !== 0) throw new Error(`the hub exited ${code} on SIGTERM: ${err.slice(-500)}`);
  if (pageStatus !== 200) throw new Error(`GET / right after ready answered ${pageStatus}`);
  return { ready, firstPage };
}

function timed(fn: () => unknown): number {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  return Math.round(samples.sort((a, b) => a - b)[2]!);
}

function medianOf(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}
