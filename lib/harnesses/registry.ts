import { claude } from "./claude";
import { codex } from "./codex";
import { gemini } from "./gemini";
import type { HarnessAuthType, HarnessDescriptor } from "./types";

const shell: HarnessDescriptor = {
  id: "shell",
  name: "Shell",
  kind: "shell",
  argv: ({ shell }) => [shell, "-l"],
  interruptKey: "C-c",
  authTypes: [],
};

const generic: HarnessDescriptor = {
  id: "generic",
  name: "Command",
  kind: "command",
  argv: ({ command }) => {
    if (!command) throw new Error("the generic harness needs a command");
    return ["/bin/sh", "-c", command];
  },
  interruptKey: "C-c",
  authTypes: [],
};

/** Every harness this build knows, in display order. */
export const HARNESS_DESCRIPTORS: readonly HarnessDescriptor[] = [claude, gemini, codex, shell, generic];

export const HARNESS_IDS = HARNESS_DESCRIPTORS.map((h) => h.id) as [string, ...string[]];

export function findHarness(id: string): HarnessDescriptor | undefined {
  return HARNESS_DESCRIPTORS.find((h) => h.id === id);
}

/**
 * Which of a harness's auth types the given credentials satisfy (env names and HOME-relative
 * file paths available to the agent), or null when none is: then `describeMissing` says what.
 */
export function satisfiedAuthType(
  h: HarnessDescriptor,
  available: { env: Iterable<string>; files: Iterable<string> },
): HarnessAuthType | null {
  if (h.authTypes.length === 0) return { type: "none", label: "none", requiredEnv: [], requiredFiles: [] };
  const env = new Set(available.env);
  const files = new Set([...available.files].map((f) => f.replace(/^\.\//, "")));
  return (
    h.authTypes.find((a) => a.requiredEnv.every((e) => env.has(e)) && a.requiredFiles.every((f) => files.has(f))) ??
    null
  );
}

/** "Claude Code needs ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN or the file ~/.claude/.credentials.json". */
export function describeMissing(h: HarnessDescriptor): string {
  const options = h.authTypes.map((a) =>
    [...a.requiredEnv, ...a.requiredFiles.map((f) => `the file ~/${f}`)].join(" and "),
  );
  return `${h.name} needs ${options.join(" or ")}`;
}
