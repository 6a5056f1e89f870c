/**
 * A throwaway place to run a real coding-assistant CLI as an unprivileged user (nobody, via
 * setpriv): a fresh HOME holding only what the harness descriptor's `configFiles` writes, a
 * scratch workspace, and a hook command that appends each call's argv and stdin to a JSON-lines
 * log (what the hub's `scion-agent hook` would receive).
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { HarnessConfigContext, HarnessDescriptor } from "@/lib/harnesses/types";
import { HarnessInstaller } from "@/broker/harness-install";

/**
 * The directory this test run installs the harness CLIs into, with the broker's own installer
 * (pinned versions from the descriptors; npm's cache first): each CLI is installed once per run,
 * whichever test needs it first. Hubs started by tests get it as SCION_HARNESS_DIR.
 */
export function testHarnessDir(): string {
  const dir = path.join(os.tmpdir(), "scion-harnesses");
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  return dir;
}

/** The harness's CLI, installed for this run if it is not yet. */
export async function harnessBinary(h: HarnessDescriptor): Promise<string> {
  const installer = new HarnessInstaller({
    dir: testHarnessDir(),
    npmEnv: { ...process.env, npm_config_prefer_offline: "true" },
  });
  return (await installer.resolve(h)).bin;
}

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
  run(
    argv: string[],
    opts?: { timeoutMs?: number; stdin?: string },
  ): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>;
  /** Starts argv as nobody in a tmux session of the sandbox's own tmux server (replacing any previous one). */
  tmux(argv: string[]): TmuxSession;
  cleanup(): void;
}

export interface TmuxSession {
  pane(): string;
  /**
   * Types text until it shows in the pane (a CLI still settling, e.g. Gemini re-rendering a resumed session,
   * drops keys), waits (Gemini takes a quick Enter after typed text as a newline), then presses Enter.
   */
  type(text: string, enterDelayMs?: number): Promise<void>;
  kill(): void;
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

/** The process and its descendants (from /proc), to wait for what a tmux pane started. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* exited */
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

/** Ends a tmux server and waits (up to 10 s, then SIGKILL) for everything its panes started to exit. */
function killTmux(socket: string) {
  let pids: number[] = [];
  try {
    const panePid = Number(
      execFileSync("tmux", ["-S", socket, "display", "-p", "-t", "agent", "#{pane_pid}"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }),
    );
    if (panePid) pids = processTree(panePid);
    execFileSync("tmux", ["-S", socket, "kill-server"], { stdio: "ignore" });
  } catch {
    return;
  }
  const alive = () => pids.filter((p) => fs.existsSync(`/proc/${p}`));
  const deadline = Date.now() + 10_000;
  while (alive().length && Date.now() < deadline) execFileSync("sleep", ["0.1"]);
  for (const p of alive()) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      /* gone */
    }
  }
}

function chownTree(p: string) {
  fs.chownSync(p, NOBODY, NOBODY);
  if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) chownTree(path.join(p, e));
}

export function createHarnessSandbox(opts: {
  harness: HarnessDescriptor;
  env: Record<string, string>;
  model?: string | null;
}): HarnessSandbox {
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
        const child = spawn(
          "setpriv",
          ["--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups", "--", bin!, ...args],
          {
            cwd: workspace,
            env: env as NodeJS.ProcessEnv,
            stdio: ["pipe", "pipe", "pipe"],
            detached: true,
          },
        );
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
    tmux: (argv) => {
      const socket = path.join(dir, "tmux.sock");
      const tmux = (...args: string[]) =>
        execFileSync("tmux", ["-S", socket, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
      const q = (v: string) => `'${v.replace(/'/g, "'\\''")}'`;
      const envArgs = Object.entries(env)
        .map(([k, v]) => q(`${k}=${v}`))
        .join(" ");
      const script = path.join(dir, "run.sh");
      const priv = `setpriv --reuid ${NOBODY} --regid ${NOBODY} --clear-groups --`;
      fs.writeFileSync(
        script,
        `#!/bin/sh\ncd ${q(workspace)}\nexec env -i ${envArgs} ${priv} ${argv.map(q).join(" ")}\n`,
        { mode: 0o700 },
      );
      killTmux(socket);
      tmux("new-session", "-d", "-s", "agent", "-x", "160", "-y", "45", `${script}; sleep 600`);
      return {
        pane: () => tmux("capture-pane", "-p", "-t", "agent"),
        type: async (text, enterDelayMs = 1000) => {
          const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
          const shown = () =>
            tmux("capture-pane", "-p", "-t", "agent")
              .split("\n")
              .filter((l) => l.includes(text)).length;
          const before = shown();
          for (let attempt = 0; attempt < 5; attempt++) {
            tmux("send-keys", "-t", "agent", "-l", text);
            const until = Date.now() + 3000;
            while (shown() <= before && Date.now() < until) await sleep(100);
            if (shown() > before) break;
          }
          await sleep(enterDelayMs);
          tmux("send-keys", "-t", "agent", "Enter");
        },
        kill: () => killTmux(socket),
      };
    },
    cleanup: () => {
      killTmux(path.join(dir, "tmux.sock"));
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
}
