/**
 * A throwaway place to run a real coding-assistant CLI as an unprivileged user (nobody, via
 * setpriv): a fresh HOME holding only what the harness descriptor's `configFiles` writes, a
 * scratch workspace, and a hook command that appends each call's argv and stdin to a JSON-lines
 * log (what the hub's `scion-agent hook` would receive).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { HarnessConfigContext, HarnessDescriptor } from "@/lib/harnesses/types";

/** Where the CLIs are: `<dir>/{claude,gemini,codex}`. The lead wires installation later. */
export const HARNESS_BIN_DIR = process.env.SCION_TEST_HARNESS_BIN_DIR ?? "/work/cli-probe/node_modules/.bin";

export const NOBODY = 65534;

export interface HookCall {
  argv: string[];
  stdin: string;
  /** stdin parsed as JSON, or the last argv argument parsed as JSON (codex notify). */
  payload: Record<string, unknown> | null;
}

export interface HarnessSandbox {
  dir: string;
  home: string;
  workspace: string;
  hookCommand: string;
  hookLog: string;
  /** The environment for the CLI: a minimal PATH, HOME, and `env`. */
  env: Record<string, string>;
  hookCalls(): HookCall[];
  /** Runs argv as nobody in the workspace; resolves with its output when it exits or times out. */
  run(argv: string[], opts?: { timeoutMs?: number; stdin?: string }): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>;
  cleanup(): void;
}

const HOOK_LOGGER = `
const fs = require("node:fs");
const [log, ...argv] = process.argv.slice(2);
let stdin = "";
const done = () => { fs.appendFileSync(log, JSON.stringify({ argv, stdin }) + "\\n"); process.exit(0); };
if (process.stdin.isTTY) done();
else {
  process.stdin.on("data", (c) => (stdin += c));
  process.stdin.on("end", done);
  process.stdin.on("error", done);
  setTimeout(done, 1000);
}
`;

function chownTree(p: string) {
  fs.chownSync(p, NOBODY, NOBODY);
  if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) chownTree(path.join(p, e));
}

export function createHarnessSandbox(opts: { harness: HarnessDescriptor; env: Record<string, string>; model?: string | null }): HarnessSandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `scion-h-${opts.harness.id}-`));
  fs.chmodSync(dir, 0o755);
  const home = path.join(dir, "home");
  const workspace = path.join(dir, "workspace");
  fs.mkdirSync(home);
  fs.mkdirSync(workspace);
  const hookLog = path.join(dir, "hooks.jsonl");
  fs.writeFileSync(hookLog, "");
  fs.chmodSync(hookLog, 0o666);
  const logger = path.join(dir, "hook-logger.cjs");
  fs.writeFileSync(logger, HOOK_LOGGER);
  const hookCommand = `${process.execPath} ${logger} ${hookLog} ${opts.harness.hooks?.dialect ?? opts.harness.id}`;
  const ctx: HarnessConfigContext = { home, workspace, hookCommand, model: opts.model ?? null, env: opts.env };
  for (const f of opts.harness.configFiles?.(ctx) ?? []) {
    const file = path.join(home, f.path);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, f.content);
  }
  chownTree(home);
  chownTree(workspace);
  const env: Record<string, string> = {
    PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    USER: "nobody",
    LANG: "C.UTF-8",
    TERM: "xterm-256color",
    ...opts.env,
  };

  return {
    dir,
    home,
    workspace,
    hookCommand,
    hookLog,
    env,
    hookCalls: () =>
      fs
        .readFileSync(hookLog, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const { argv, stdin } = JSON.parse(line) as { argv: string[]; stdin: string };
          let payload: Record<string, unknown> | null = null;
          for (const candidate of [stdin, argv.at(-1) ?? ""]) {
            try {
              const v = JSON.parse(candidate) as unknown;
              if (v && typeof v === "object") {
                payload = v as Record<string, unknown>;
                break;
              }
            } catch {
              /* not JSON */
            }
          }
          return { argv, stdin, payload };
        }),
    run: (argv, runOpts = {}) =>
      new Promise((resolve) => {
        const started = Date.now();
        const [bin, ...args] = argv;
        const child = spawn("setpriv", ["--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups", "--", bin!, ...args], {
          cwd: workspace,
          env: env as NodeJS.ProcessEnv,
          stdio: ["pipe", "pipe", "pipe"],
          detached: true,
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.stdin.end(runOpts.stdin ?? "");
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, "SIGKILL");
          } catch {
            /* gone */
          }
        }, runOpts.timeoutMs ?? 60_000);
        child.on("close", (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr, ms: Date.now() - started });
        });
      }),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
