import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { HookDialect } from "../lib/harnesses/types";
import { HOOK_DIALECTS, mapHookEvent } from "./hooks/map-hook-event";
import type { HookPayload, HookReport } from "./hooks/report";

/**
 * The hook's own time, from its start to its answer: the harness waits for it before going on
 * (with Node's start-up and loading the bundle, the whole process takes under 100 ms).
 */
const BUDGET_MS = 80;
const STDIN_MS = 30;
const SOCKET_MS = 40;

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
  const deadline = Date.now() + BUDGET_MS;
  const dialect = dialectOf(args);
  try {
    if (!dialect) {
      log("warn", `hook: give --dialect ${HOOK_DIALECTS.join("|")}`);
      return 0;
    }
    const payload = (dialect === "codex" && argumentPayload(args)) || (await stdinPayload());
    const report = payload && mapHookEvent(dialect, payload);
    if (report) await deliver(report, env, deadline, log);
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
    const finish = () => {
      clearTimeout(timer);
      process.stdin.off("data", onData);
      process.stdin.pause();
      resolve(parseObject(Buffer.concat(chunks).toString("utf8")));
    };
    const onData = (chunk: Buffer) => chunks.push(chunk);
    const timer = setTimeout(finish, STDIN_MS);
    process.stdin.on("data", onData);
    process.stdin.once("end", finish);
    process.stdin.once("error", finish);
  });
}

async function deliver(report: HookReport, env: NodeJS.ProcessEnv, deadline: number, log: Log): Promise<void> {
  const line = `${JSON.stringify(report)}\n`;
  const socketPath = env.SCION_AGENT_HOOK_SOCKET || (env.SCION_AGENT_TOKEN_FILE ? path.join(path.dirname(env.SCION_AGENT_TOKEN_FILE), "hook.sock") : undefined);
  if (socketPath && (await toSocket(socketPath, line, Math.min(SOCKET_MS, deadline - Date.now())))) return;
  const posted = await toHub(report, env, deadline - Date.now());
  if (!posted) log("warn", `hook: could not pass ${report.hookEvent} on (no shim socket, the hub did not answer in time)`);
}

/** Writes the report to the shim's socket; true once the kernel has it. */
function toSocket(socketPath: string, line: string, budgetMs: number): Promise<boolean> {
  if (budgetMs <= 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), budgetMs);
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.end(line, () => done(true)));
  });
}

/** The fallback: POST the report with the agent's token; false unless the hub said 2xx in time. */
function toHub(report: HookReport, env: NodeJS.ProcessEnv, budgetMs: number): Promise<boolean> {
  const hubUrl = env.SCION_HUB_URL;
  const agentId = env.SCION_AGENT_ID;
  if (budgetMs <= 0 || !hubUrl || !agentId) return Promise.resolve(false);
  let token: string;
  let url: URL;
  try {
    token = fs.readFileSync(env.SCION_AGENT_TOKEN_FILE || path.join(os.homedir(), ".scion", "agent-token"), "utf8").trim();
    url = new URL(`/api/v1/agents/${encodeURIComponent(agentId)}/status`, hubUrl);
  } catch {
    return Promise.resolve(false);
  }
  const body = JSON.stringify(report);
  return new Promise((resolve) => {
    const req = (url.protocol === "https:" ? https : http).request(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      req.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), budgetMs);
    req.once("response", (res) => done((res.statusCode ?? 500) < 300));
    req.once("error", () => done(false));
    req.end(body);
  });
}
