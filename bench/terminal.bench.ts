/**
 * The browser terminal path — WebSocket → hub → control channel → broker → PTY (tmux attach) —
 * against a WebSocket connected straight to a PTY running the same `tmux attach` on the same
 * agent session, in the same run: keystroke echo latency (one key, until its echo arrives) and
 * bulk output throughput (a command printing megabytes, until its end marker arrives). For
 * reference, a third path puts one bare WebSocket relay process in front of the direct PTY: as
 * many Node processes between browser and PTY as hub and broker, doing nothing but forward, the
 * floor of any design with a relay.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import WebSocket from "ws";
import { LocalRuntime } from "../broker/runtimes/local-runtime";
import { startBenchHub } from "./lib/bench-hub";
import { hubClient, summarize, waitForBroker } from "./lib/hub-client";
import type { BenchResult, BenchRow } from "./lib/summary";

const KEYSTROKES = Number(process.env.BENCH_KEYSTROKES ?? 300);
const BULK_LINES = Number(process.env.BENCH_BULK_LINES ?? 400_000);
const BULK_ROUNDS = Number(process.env.BENCH_BULK_ROUNDS ?? 3);

interface PathFigures {
  echo: ReturnType<typeof summarize>;
  bulk: { rounds: number; bytesPerRound: number; meanMs: number; mibPerSecond: number };
}

export async function run(): Promise<
  BenchResult & { subject: PathFigures; baseline: PathFigures; floor: PathFigures; ratios: Record<string, number> }
> {
  const hub = await startBenchHub({ localBroker: true });
  let direct: ReturnType<typeof spawn> | undefined;
  let relay: ReturnType<typeof spawn> | undefined;
  try {
    const { call, token } = hubClient(hub.url, hub.dataDir);
    await waitForBroker(call);
    const { body: project } = await call<{ id: string }>("POST", "/api/v1/projects", { name: "terminal-bench" });
    const { status, body: agent } = await call<{ id: string; phase: string }>("POST", "/api/v1/agents", {
      projectId: project.id,
      name: "bench-shell",
      harness: "generic",
      command: "exec bash --norc --noprofile -i",
      start: true,
    });
    if (status !== 201 || agent.phase !== "running")
      throw new Error(`the bench agent did not start (${status}, ${agent.phase})`);

    const runtime = new LocalRuntime(path.join(hub.dataDir, "broker"));
    direct = spawn(
      process.execPath,
      [path.join(import.meta.dirname, "lib", "direct-pty-server.mjs"), JSON.stringify(runtime.attachCommand(agent.id))],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const port = await listeningPort(direct);
    // The floor of any design that puts a process between browser and PTY: one bare relay hop.
    relay = spawn(
      process.execPath,
      [path.join(import.meta.dirname, "lib", "bare-ws-relay.mjs"), `ws://127.0.0.1:${port}/`],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const relayPort = await listeningPort(relay);

    const viaHub = `${hub.url.replace("http", "ws")}/api/v1/agents/${agent.id}/pty?cols=160&rows=48`;
    const straight = `ws://127.0.0.1:${port}/?cols=160&rows=48`;
    const throughRelay = `ws://127.0.0.1:${relayPort}/?cols=160&rows=48`;
    console.log(`terminal: ${KEYSTROKES} keystrokes, ${BULK_ROUNDS} × seq 1 ${BULK_LINES} per path`);
    // One after the other on the same session, each a fresh attach: direct, the hub, the bare relay.
    const baseline = await measurePath(straight, {});
    const subject = await measurePath(viaHub, { authorization: `Bearer ${token}` });
    const floor = await measurePath(throughRelay, {});
    const ratios = {
      echoP50: round(subject.echo.p50Ms / baseline.echo.p50Ms),
      echoP99: round(subject.echo.p99Ms / baseline.echo.p99Ms),
      bulkThroughput: round(subject.bulk.mibPerSecond / baseline.bulk.mibPerSecond),
    };
    console.table({
      "hub relay": {
        "echo p50 ms": subject.echo.p50Ms,
        "echo p99 ms": subject.echo.p99Ms,
        "bulk MiB/s": subject.bulk.mibPerSecond,
      },
      "direct WS→PTY": {
        "echo p50 ms": baseline.echo.p50Ms,
        "echo p99 ms": baseline.echo.p99Ms,
        "bulk MiB/s": baseline.bulk.mibPerSecond,
      },
      "bare relay hop": {
        "echo p50 ms": floor.echo.p50Ms,
        "echo p99 ms": floor.echo.p99Ms,
        "bulk MiB/s": floor.bulk.mibPerSecond,
      },
    });
    const floorP50 = round(floor.echo.p50Ms / baseline.echo.p50Ms);
    console.log(
      `ratios (hub / direct): echo p50 ${ratios.echoP50}, echo p99 ${ratios.echoP99}; bulk throughput ${ratios.bulkThroughput} of direct`,
    );
    const directPty = "WebSocket straight to a PTY running the same tmux attach";
    const rows: BenchRow[] = [
      {
        path: "terminal: keystroke echo p50",
        subject: `hub relay ${subject.echo.p50Ms} ms`,
        baseline: `${directPty}: ${baseline.echo.p50Ms} ms`,
        ratio: ratios.echoP50!,
        target: "≤ 1.2×",
        pass: ratios.echoP50! <= 1.2,
      },
      {
        path: "terminal: keystroke echo p99",
        subject: `hub relay ${subject.echo.p99Ms} ms`,
        baseline: `${directPty}: ${baseline.echo.p99Ms} ms`,
        ratio: ratios.echoP99!,
        target: "≤ 1.5×",
        pass: ratios.echoP99! <= 1.5,
      },
      {
        path: "terminal: bulk output",
        subject: `hub relay ${subject.bulk.mibPerSecond} MiB/s`,
        baseline: `${directPty}: ${baseline.bulk.mibPerSecond} MiB/s`,
        ratio: ratios.bulkThroughput!,
        target: "≥ 0.9×",
        pass: ratios.bulkThroughput! >= 0.9,
      },
      {
        path: "terminal: echo p50 through one bare relay hop (reference)",
        subject: `a bare WebSocket relay process in front of the direct PTY: ${floor.echo.p50Ms} ms (p99 ${floor.echo.p99Ms} ms, bulk ${floor.bulk.mibPerSecond} MiB/s)`,
        baseline: `${directPty}: ${baseline.echo.p50Ms} ms`,
        ratio: floorP50,
        target: "none: the floor of any relay between browser and PTY",
        pass: true,
      },
    ];
    return { rows, subject, baseline, floor, ratios };
  } finally {
    relay?.kill();
    direct?.kill();
    await hub.stop();
  }
}

async function measurePath(url: string, headers: Record<string, string>): Promise<PathFigures> {
  const term = await connect(url, headers);
  try {
    await term.quiet(500);
    // Echo: one printable key at a time; done when it comes back on the screen.
    const samples: number[] = [];
    const keys = "abcdefghijklmnopqrstuvwxyz";
    for (let i = 0; i < KEYSTROKES; i++) {
      const key = keys[i % keys.length]!;
      const started = performance.now();
      await term.sendAndWait(key, (text) => text.includes(key));
      samples.push(performance.now() - started);
      // Ctrl-U clears the line; its redraw may come in several pieces, so wait for the terminal to
      // go quiet: otherwise the next key's echo queues behind the redraw and is timed with it.
      if (i % keys.length === keys.length - 1) {
        await term.sendAndWait("\x15", () => true, 0);
        await term.quiet(50);
      }
    }
    await term.quiet(300);
    // Bulk: a command printing megabytes; done when its end marker (computed, so not the echo) arrives.
    const times: number[] = [];
    let bytes = 0;
    for (let round = 0; round < BULK_ROUNDS; round++) {
      const marker = `END${1000 + round}`;
      const before = term.received();
      const started = performance.now();
      await term.sendAndWait(
        `seq 1 ${BULK_LINES}; echo END$((1000+${round}))\r`,
        (text) => text.includes(marker),
        120_000,
      );
      times.push(performance.now() - started);
      bytes += term.received() - before;
      await term.quiet(300);
    }
    const meanMs = times.reduce((a, b) => a + b, 0) / times.length;
    const bytesPerRound = Math.round(bytes / BULK_ROUNDS);
    return {
      echo: summarize(samples),
      bulk: {
        rounds: BULK_ROUNDS,
        bytesPerRound,
        meanMs: round(meanMs),
        mibPerSecond: round(bytesPerRound / 1048576 / (meanMs / 1000)),
      },
    };
  } finally {
    term.ws.close();
  }
}

function connect(url: string, headers: Record<string, string>) {
  const ws = new WebSocket(url, { headers });
  let total = 0;
  let tail = "";
  let lastData = performance.now();
  let waiter: { test: (text: string) => boolean; resolve: () => void } | undefined;
  ws.on("message", (data, isBinary) => {
    if (!isBinary) return;
    const chunk = data as Buffer;
    total += chunk.length;
    lastData = performance.now();
    tail = (tail + chunk.toString("latin1")).slice(-4096);
    if (waiter?.test(tail)) {
      const w = waiter;
      waiter = undefined;
      w.resolve();
    }
  });
  const api = {
    ws,
    received: () => total,
    async sendAndWait(input: string, test: (text: string) => boolean, timeoutMs = 10_000) {
      tail = "";
      const done =
        timeoutMs === 0
          ? Promise.resolve()
          : new Promise<void>((resolve, reject) => {
              const timer = setTimeout(
                () => reject(new Error(`no answer to ${JSON.stringify(input.slice(0, 40))} within ${timeoutMs} ms`)),
                timeoutMs,
              );
              waiter = { test, resolve: () => (clearTimeout(timer), resolve()) };
            });
      ws.send(Buffer.from(input), { binary: true });
      await done;
    },
    async quiet(ms: number) {
      while (performance.now() - lastData < ms) await new Promise((r) => setTimeout(r, ms / 4));
    },
  };
  return new Promise<typeof api>((resolve, reject) => {
    ws.once("open", () => resolve(api));
    ws.once("unexpected-response", (_q, res) => reject(new Error(`terminal refused: HTTP ${res.statusCode}`)));
    ws.once("error", reject);
  });
}

/** The port a helper process prints as "up <port>" once it listens; rejects if it exits first. */
function listeningPort(child: ReturnType<typeof spawn>): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      const m = /up (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code, signal) => reject(new Error(`a terminal bench helper exited (${code ?? signal})`)));
  });
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
