import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");

export interface SpawnedHub {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the URL of the ready line, or rejects with the output if the process exits first. */
  ready: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs server.ts as its own process, the way `npm start` does (production Next.js, tsx), with
 * the given environment on top of a minimal one.
 */
export function spawnHub(env: Record<string, string>): SpawnedHub {
  const child = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = /Scion Hub ready at (\S+)/.exec(out);
      if (match) {
        child.stdout!.off("data", onData);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    void exited.then(({ code }) => reject(new Error(`hub exited (${code}) before ready:\n${err}\n${out}`)));
  });
  ready.catch(() => undefined);
  return { child, stdout: () => out, stderr: () => err, ready, exited };
}

/** Parsed JSON log lines of a spawned hub's stdout (the ready line is plain text and skipped). */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
