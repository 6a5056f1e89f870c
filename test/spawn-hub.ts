import type { ChildProcess } from "node:child_process";
import { spawnTsx, waitForLine } from "./support/tsx-process";

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
export function spawnHub(env: Record<string, string>, nodeArgs: string[] = []): SpawnedHub {
  const hub = spawnTsx("server.ts", { NEXT_TELEMETRY_DISABLED: "1", ...env }, nodeArgs);
  return { ...hub, ready: waitForLine(hub, /Scion Hub ready at (\S+)/, "hub", "before ready") };
}

/** Parsed JSON log lines of a spawned hub's stdout (the ready line is plain text and skipped). */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
