import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { HookDialect } from "../lib/harnesses/types";
import { HOOK_DIALECTS, mapHookEvent } from "./hooks/map-hook-event";
import type { HookPayload, HookReport } from "./hooks/report";

/**
 * The hook's own time: the harness waits for it before going on. Reading the event and handing
 * it to the shim's socket take a millisecond or two (the harness writes the event and closes
 * stdin at once; a local socket is answered by the kernel, not by the shim), so the hook answers
 * well within 100 ms. Their limits are only for what should not happen (a harness that keeps
 * stdin open, a socket backlog full): on a busy machine a slow hand-off is still a hand-off,
 * where dropping it would lose what the agent is doing. Only the fallback without a shim, a POST
 * to the hub, is cut at BUDGET_MS: the hub may be away, and the harness must not wait for it.
 */
const BUDGET_MS = 90;
const STDIN_MS = 500;
const SOCKET_MS = 500;

type Log = (level: "info" | "warn", message: string) => void;

/**
 * `scion-agent hook --dialect claude|gemini|codex`: the command a harness's hooks run. It reads
 * the event (JSON on stdin; Codex's notify gives it as the last argument), maps it to a
 * normalised event and activity, hands the report to the shim over its unix socket
 * (SCION_AGENT_HOOK_SOCKET) and exits; the shim forwards reports to the hub in order, with
 * retries. Without the shim's socket it posts to the hub itself, briefly. It never blocks or
 * denies anything: whatever happens it prints what the harness expects and exits 0 within
 * 100 ms, and it writes nothing to stderr (Gemini CLI would show it to the model).
 */
export async function hook(args: string[], log: Log, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const started = Date.now();
  const deadline = started + BUDGET_MS;
  const dialect = dialectOf(args);
  try {
    if (!dialect) {
      log("warn", `hook: give --dialect ${HOOK_DIALECTS.join("|")}`);
      return 0;
    }
    const payload = (dialect === "codex" && argumentPayload(args)) || (await stdinPayload());
    const report = payload && mapHookEvent(dialect, payload);
    if (report) await deliver(report, env, started, deadline, log);
  } catch (err) {
    log("warn", `hook: ${(err as Error).message}`);
  } finally {
    // Gemini CLI reads stdout as JSON (an empty object changes nothing); Claude Code adds a
    // prompt hook's stdout to the conversation, so it gets nothing.
    if (dialect === "gemini") process.stdout.write("{}\n");
  }
  return 0;
}

function dialectOf(args: string[]): HookDialect | undefined {
  const i = args.indexOf("--dialect");
  const value = i >= 0 ? args[i + 1] : args.find((a) => a.startsWith("--dialect="))?.slice("--dialect=".length);
  return HOOK_DIALECTS.find((d) => d === value);
}

/** Codex's notify program gets the event as its last argument. */
function argumentPayload(args: string[]): HookPayload | undefined {
  return parseObject(args.at(-1));
}

function parseObject(text: string | undefined): HookPayload | undefined {
  if (!text || !text.trimStart().startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as HookPayload) : undefined;
  } catch {
    return undefined;
  }
}

/** The event on stdin, if it arrives (and stdin closes) within STDIN_MS. */
function stdinPayload(): Promise<HookPayload | undefined> {
  if (process.stdin.isTTY) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      process.stdin.off("data", onData);
      process.stdin.pause();
      resolve(parseObject(Buffer.concat(chunks).toString("utf8")));
    };
    const onData = (chunk: Buffer) => chunks.push(chunk);
    // Timers run before I/O in Node's loop: after a stall (a busy machine) the data that came
    // meanwhile gets one look before the timer gives up on it. Same below for the socket and POST.
    const timer = setTimeout(() => setImmediate(finish), STDIN_MS);
    process.stdin.on("data", onData);
    process.stdin.once("end", finish);
    process.stdin.once("error", finish);
  });
}

async function deliver(
  report: HookReport,
  env: NodeJS.ProcessEnv,
  started: number,
  deadline: number,
  log: Log,
): Promise<void> {
  const line = `${JSON.stringify(report)}\n`;
  const socketPath =
    env.SCION_AGENT_HOOK_SOCKET ||
    (env.SCION_AGENT_TOKEN_FILE ? path.join(path.dirname(env.SCION_AGENT_TOKEN_FILE), "hook.sock") : undefined);
  const handed = socketPath ? await toSocket(socketPath, line, SOCKET_MS) : "refused";
  if (handed === "ok") return;
  // A shim that does not answer in time is stuck (or the machine is): posting would not do better.
  if (handed === "timeout")
    return log("warn", `hook: ${report.hookEvent} dropped: the shim's socket took over ${Date.now() - started} ms`);
  if (await toHub(report, env, deadline - Date.now())) return;
  log(
    "warn",
    `hook: ${report.hookEvent} dropped after ${Date.now() - started} ms: no shim socket, and the hub did not answer in time`,
  );
}

/** Writes the report to the shim's socket: "ok" once the kernel has it. */
function toSocket(socketPath: string, line: string, budgetMs: number): Promise<"ok" | "refused" | "timeout"> {
  if (budgetMs <= 0) return Promise.resolve("timeout");
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    let settled = false;
    const done = (result: "ok" | "refused" | "timeout") => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => setImmediate(() => done("timeout")), budgetMs);
    socket.once("error", () => done("refused"));
    socket.once("connect", () => socket.end(line, () => done("ok")));
  });
}

/**
 * The fallback: POST the report with the agent's token; false unless the hub said 2xx in time.
 * node:http(s) load only here: the usual path, the socket, does not pay for TLS.
 */
async function toHub(report: HookReport, env: NodeJS.ProcessEnv, budgetMs: number): Promise<boolean> {
  const hubUrl = env.SCION_HUB_URL;
  const agentId = env.SCION_AGENT_ID;
  if (budgetMs <= 0 || !hubUrl || !agentId) return false;
  let token: string;
  let url: URL;
  try {
    token = fs
      .readFileSync(env.SCION_AGENT_TOKEN_FILE || path.join(os.homedir(), ".scion", "agent-token"), "utf8")
      .trim();
    url = new URL(`/api/v1/agents/${encodeURIComponent(agentId)}/status`, hubUrl);
  } catch {
    return false;
  }
  const body = JSON.stringify(report);
  const { request } = url.protocol === "https:" ? await import("node:https") : await import("node:http");
  return new Promise((resolve) => {
    const req = request(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
      },
    });
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => setImmediate(() => done(false)), budgetMs);
    req.once("response", (res) => done((res.statusCode ?? 500) < 300));
    req.once("error", () => done(false));
    req.end(body);
  });
}
