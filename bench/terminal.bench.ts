/**
 * The browser terminal path — WebSocket → hub → the tunnel the broker dials → broker → PTY (tmux
 * attach) — against a WebSocket connected straight to a PTY running the same `tmux attach` on the
 * same agent session, in the same run: keystroke echo latency (one key, until its echo arrives)
 * and bulk output throughput (a command printing megabytes, until its end marker arrives). For
 * reference, two more paths put one relay process in front of the direct PTY, as many processes
 * between browser and PTY as hub and broker: one that reads and writes WebSocket frames, and one
 * that forwards bytes without reading them, the floor of any design with a relay. The paths take
 * turns on the same session, so the host's drift during the run touches them all alike.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import WebSocket from "ws";
import { LocalRuntime } from "../broker/runtimes/local-runtime";
import { startBenchHub } from "./lib/bench-hub";
import { hubClient, summarize, waitForBroker } from "./lib/hub-client";
import { cpuByRole } from "./lib/cpu-by-role";
import type { BenchResult, BenchRow } from "./lib/summary";

const KEYSTROKES = Number(process.env.BENCH_KEYSTROKES ?? 1500);
const BULK_LINES = Number(process.env.BENCH_BULK_LINES ?? 400_000);
const BULK_ROUNDS = Number(process.env.BENCH_BULK_ROUNDS ?? 3);
/** Keystrokes per turn: the paths take turns (a fresh attach each), so a drifting host affects all alike. */
const BLOCK = 100;

interface PathFigures {
  echo: ReturnType<typeof summarize>;
  bulk: { rounds: number; bytesPerRound: number; meanMs: number; mibPerSecond: number };
  /** CPU per keystroke of each role while this path echoed, µs. */
  cpuPerKeystroke: string;
}

interface TerminalPath {
  url: string;
  headers: Record<string, string>;
  samples: number[];
  bulkMs: number[];
  bulkBytes: number;
  cpu: Map<string, number>;
}

export async function run(): Promise<
  BenchResult & {
    subject: PathFigures;
    baseline: PathFigures;
    floor: PathFigures;
    byteFloor: PathFigures;
    ratios: Record<string, number>;
  }
> {
  const hub = await startBenchHub({ localBroker: true });
  const helpers: Array<ReturnType<typeof spawn>> = [];
  const helper = async (script: string, arg: string) => {
    const child = spawn(process.execPath, [path.join(import.meta.dirname, "lib", script), arg], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    helpers.push(child);
    return listeningPort(child);
  };
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
    const port = await helper("direct-pty-server.mjs", JSON.stringify(runtime.attachCommand(agent.id)));
    // The floors of any design that puts a process between browser and PTY: one relay hop that
    // reads and writes WebSocket frames, and one that forwards bytes without reading them.
    const relayPort = await helper("bare-ws-relay.mjs", `ws://127.0.0.1:${port}/`);
    const pipePort = await helper("tcp-pipe-relay.mjs", String(port));

    const size = "?cols=160&rows=48";
    const newPath = (url: string, headers: Record<string, string> = {}): TerminalPath => ({
      url,
      headers,
      samples: [],
      bulkMs: [],
      bulkBytes: 0,
      cpu: new Map(),
    });
    const baselinePath = newPath(`ws://127.0.0.1:${port}/${size}`);
    const subjectPath = newPath(`${hub.url.replace("http", "ws")}/api/v1/agents/${agent.id}/pty${size}`, {
      authorization: `Bearer ${token}`,
    });
    const floorPath = newPath(`ws://127.0.0.1:${relayPort}/${size}`);
    const byteFloorPath = newPath(`ws://127.0.0.1:${pipePort}/${size}`);
    const paths = [baselinePath, subjectPath, floorPath, byteFloorPath];
    console.log(
      `terminal: ${KEYSTROKES} keystrokes in turns of ${BLOCK}, ${BULK_ROUNDS} × seq 1 ${BULK_LINES} per path`,
    );
    // The paths take turns on the same session, each turn a fresh attach, in a rotating order.
    for (let done = 0, turn = 0; done < KEYSTROKES; done += BLOCK, turn++) {
      for (const p of rotate(paths, turn)) await echoTurn(p, Math.min(BLOCK, KEYSTROKES - done));
    }
    for (let round = 0; round < BULK_ROUNDS; round++) {
      for (const p of rotate(paths, round)) await bulkRound(p, round);
    }
    const [baseline, subject, floor, byteFloor] = paths.map(figures) as [
      PathFigures,
      PathFigures,
      PathFigures,
      PathFigures,
    ];
    const ratios = {
      echoP50: round(subject.echo.p50Ms / baseline.echo.p50Ms),
      echoP99: round(subject.echo.p99Ms / baseline.echo.p99Ms),
      bulkThroughput: round(subject.bulk.mibPerSecond / baseline.bulk.mibPerSecond),
    };
    const line = (f: PathFigures) => ({
      "echo p50 ms": f.echo.p50Ms,
      "echo p99 ms": f.echo.p99Ms,
      "bulk MiB/s": f.bulk.mibPerSecond,
    });
    console.table({
      "hub (tunnel to the broker)": line(subject),
      "direct WS→PTY": line(baseline),
      "bare WebSocket relay hop": line(floor),
      "byte relay hop": line(byteFloor),
    });
    console.log(`CPU per keystroke, hub path: ${subject.cpuPerKeystroke}`);
    console.log(`CPU per keystroke, direct path: ${baseline.cpuPerKeystroke}`);
    const floorP50 = round(floor.echo.p50Ms / baseline.echo.p50Ms);
    const byteFloorP50 = round(byteFloor.echo.p50Ms / baseline.echo.p50Ms);
    console.log(
      `ratios (hub / direct): echo p50 ${ratios.echoP50}, echo p99 ${ratios.echoP99}; bulk throughput ${ratios.bulkThroughput} of direct`,
    );
    const directPty = "WebSocket straight to a PTY running the same tmux attach";
    const rows: BenchRow[] = [
      {
        path: "terminal: keystroke echo p50",
        subject: `hub ${subject.echo.p50Ms} ms`,
        baseline: `${directPty}: ${baseline.echo.p50Ms} ms`,
        ratio: ratios.echoP50!,
        target: "≤ 1.2×",
        pass: ratios.echoP50! <= 1.2,
      },
      {
        path: "terminal: keystroke echo p99",
        subject: `hub ${subject.echo.p99Ms} ms`,
        baseline: `${directPty}: ${baseline.echo.p99Ms} ms`,
        ratio: ratios.echoP99!,
        target: "≤ 1.5×",
        pass: ratios.echoP99! <= 1.5,
      },
      {
        path: "terminal: bulk output",
        subject: `hub ${subject.bulk.mibPerSecond} MiB/s`,
        baseline: `${directPty}: ${baseline.bulk.mibPerSecond} MiB/s`,
        ratio: ratios.bulkThroughput!,
        target: "≥ 0.9×",
        pass: ratios.bulkThroughput! >= 0.9,
      },
      {
        path: "terminal: echo p50 through one bare WebSocket relay hop (reference)",
        subject: `a process relaying WebSocket frames in front of the direct PTY: ${floor.echo.p50Ms} ms (p99 ${floor.echo.p99Ms} ms, bulk ${floor.bulk.mibPerSecond} MiB/s)`,
        baseline: `${directPty}: ${baseline.echo.p50Ms} ms`,
        ratio: floorP50,
        target: "none: the floor of a relay that reads frames",
        pass: true,
      },
      {
        path: "terminal: echo p50 through one byte relay hop (reference)",
        subject: `a process forwarding bytes in front of the direct PTY: ${byteFloor.echo.p50Ms} ms (p99 ${byteFloor.echo.p99Ms} ms, bulk ${byteFloor.bulk.mibPerSecond} MiB/s)`,
        baseline: `${directPty}: ${baseline.echo.p50Ms} ms`,
        ratio: byteFloorP50,
        target: "none: the floor of any relay between browser and PTY",
        pass: true,
      },
    ];
    return { rows, subject, baseline, floor, byteFloor, ratios };
  } finally {
    for (const child of helpers) child.kill();
    await hub.stop();
  }
}

/** The paths starting at index `turn` (mod length), so each goes first in turn. */
function rotate<T>(items: T[], turn: number): T[] {
  const k = turn % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** One turn of echo on a fresh attach: one printable key at a time; done when it comes back on the screen. */
async function echoTurn(p: TerminalPath, keystrokes: number): Promise<void> {
  const term = await connect(p.url, p.headers);
  try {
    await term.quiet(300);
    const keys = "abcdefghijklmnopqrstuvwxyz";
    const cpuBefore = cpuByRole();
    for (let i = 0; i < keystrokes; i++) {
      const key = keys[i % keys.length]!;
      const started = performance.now();
      await term.sendAndWait(key, (text) => text.includes(key));
      p.samples.push(performance.now() - started);
      // Ctrl-U clears the line; its redraw may come in several pieces, so wait for the terminal to
      // go quiet: otherwise the next key's echo queues behind the redraw and is timed with it.
      if (i % keys.length === keys.length - 1 || i === keystrokes - 1) {
        await term.sendAndWait("\x15", () => true, 0);
        await term.quiet(50);
      }
    }
    for (const [role, ms] of cpuByRole()) p.cpu.set(role, (p.cpu.get(role) ?? 0) + ms - (cpuBefore.get(role) ?? 0));
  } finally {
    term.ws.close();
  }
}

/** One round of bulk output on a fresh attach: a command printing megabytes, until its end marker (computed, so not the echo) arrives. */
async function bulkRound(p: TerminalPath, round: number): Promise<void> {
  const term = await connect(p.url, p.headers);
  try {
    await term.quiet(300);
    const marker = `END${1000 + round}`;
    const before = term.received();
    const started = performance.now();
    await term.sendAndWait(
      `seq 1 ${BULK_LINES}; echo END$((1000+${round}))\r`,
      (text) => text.includes(marker),
      120_000,
    );
    p.bulkMs.push(performance.now() - started);
    p.bulkBytes += term.received() - before;
    await term.quiet(300);
  } finally {
    term.ws.close();
  }
}

function figures(p: TerminalPath): PathFigures {
  const meanMs = p.bulkMs.reduce((a, b) => a + b, 0) / p.bulkMs.length;
  const bytesPerRound = Math.round(p.bulkBytes / p.bulkMs.length);
  const cpuPerKeystroke = [...p.cpu]
    .map(([role, ms]) => [role, (ms * 1000) / p.samples.length] as const)
    .filter(([, us]) => us >= 1)
    .sort((a, b) => b[1] - a[1])
    .map(([role, us]) => `${role} ${Math.round(us)} µs`)
    .join(", ");
  return {
    echo: summarize(p.samples),
    bulk: {
      rounds: p.bulkMs.length,
      bytesPerRound,
      meanMs: round(meanMs),
      mibPerSecond: round(bytesPerRound / 1048576 / (meanMs / 1000)),
    },
    cpuPerKeystroke,
  };
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
