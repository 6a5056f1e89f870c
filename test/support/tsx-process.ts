/**
 * One of this repository's entry points (server.ts, broker/main.ts) as its own process, the way
 * npm runs it (node --import tsx), with its output collected and a wait for the line that says it
 * is up. Used by test/spawn-hub.ts and test/support/broker-process.ts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

export interface TsxProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `entry` (relative to the repository) with `env` on top of a minimal environment (PATH,
 * HOME, production), and `nodeArgs` before it (e.g. --cpu-prof, which NODE_OPTIONS refuses).
 */
export function spawnTsx(entry: string, env: Record<string, string>, nodeArgs: string[] = []): TsxProcess {
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * Resolves with the first group of `pattern` once the process's stdout matches it; rejects with
 * `"<name> exited (<code>) <before>:"` and its output if it exits first. Never an unhandled rejection.
 */
export function waitForLine(proc: TsxProcess, pattern: RegExp, name: string, before: string): Promise<string> {
  const stdout = proc.child.stdout!;
  const line = new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = pattern.exec(proc.stdout());
      if (match) {
        stdout.off("data", onData);
        resolve(match[1]!);
      }
    };
    stdout.on("data", onData);
    onData();
    void proc.exited.then(({ code }) =>
      reject(new Error(`${name} exited (${code}) ${before}:\n${proc.stderr()}\n${proc.stdout()}`)),
    );
  });
  line.catch(() => undefined);
  return line;
}
