/**
 * A harness is what runs inside an agent under the shim: a login shell, the user's command, or a
 * coding assistant's CLI. Each one is described by data (a descriptor) that both ends read: the
 * hub for what it lists and which credentials a start needs, the broker for how to install,
 * configure, launch, resume and interrupt it. Adding a harness is adding a descriptor to
 * `registry.ts`.
 */

/** One way of authenticating a harness: all of `requiredEnv` and all of `requiredFiles`. */
export interface HarnessAuthType {
  /** Stable id, e.g. `api-key`, `oauth-token`, `credentials-file`, `vertex`. */
  type: string;
  /** How a person would name it. */
  label: string;
  /** Environment variables a secret (target env) must provide. */
  requiredEnv: string[];
  /** Files, relative to the agent's HOME, a secret (target file) must provide. */
  requiredFiles: string[];
}

/** Normalised hook events, whatever the harness calls them. */
export type HookEvent =
  | "session-start"
  | "prompt-submit"
  | "model-start"
  | "model-end"
  | "tool-start"
  | "tool-end"
  | "turn-end"
  | "response-complete"
  | "notification"
  | "session-end";

export type HookDialect = "claude" | "gemini" | "codex";

/** The file, next to an agent's token file, the shim rewrites each time the harness takes a prompt. */
export const PROMPT_MARKER = "prompt-submitted";

/** What the broker knows when it configures and launches an agent's harness. */
export interface HarnessLaunch {
  /** The binary to run (resolved by the broker: installed, or SCION_HARNESS_<NAME>_BIN). */
  bin: string;
  task?: string | null;
  /** The user's command (generic harness). */
  command?: string | null;
  model?: string | null;
  /** Continue the previous conversation (a restart without `fresh`, once a session exists). */
  resume: boolean;
  /** A system prompt, for harnesses that take one as a flag (from a template). */
  systemPrompt?: string | null;
  /** The login shell (shell harness). */
  shell: string;
}

/** What the broker knows when it writes the harness's configuration into the agent's HOME. */
export interface HarnessConfigContext {
  /** The agent's HOME as the harness sees it (inside a container: its mount point). */
  home: string;
  /** The agent's workspace as the harness sees it. */
  workspace: string;
  /** The command a hook runs, e.g. `scion-agent hook --dialect claude` (absolute path). */
  hookCommand: string;
  model?: string | null;
  /** Instructions for the agent (its instructions file), if any. */
  instructions?: string | null;
  /** A system prompt, for harnesses that take one from a file. */
  systemPrompt?: string | null;
  /**
   * The agent's environment as the harness will see it (credentials included). Read, never
   * written into files verbatim: e.g. Claude's approved-key entry keeps only the key's last 20
   * characters, Codex gets a provider entry only when OPENAI_BASE_URL is set.
   */
  env?: Record<string, string>;
}

/** A file the broker writes into the agent's HOME before start (path relative to HOME). */
export interface HarnessConfigFile {
  path: string;
  content: string;
  /** Merge into an existing JSON file of the agent's instead of replacing it (e.g. ~/.claude.json keeps its history). */
  mergeJson?: boolean;
}

export interface HarnessDescriptor {
  id: string;
  /** Display name, e.g. "Claude Code". */
  name: string;
  kind: "assistant" | "shell" | "command";
  /** The CLI and its pinned version, installed by the broker on first use. */
  install?: { npm: string; version: string; bin: string };
  /** Environment variable naming an existing binary instead of installing: SCION_HARNESS_<ID>_BIN. */
  binEnv?: string;
  /** The argv to run, from what the broker knows. */
  argv(launch: HarnessLaunch): string[];
  /** Where the harness keeps its conversations, relative to HOME: a restart resumes only when one exists. */
  sessionDir?: string;
  /** Text its screen shows once it takes input (its idle prompt): messages are typed only after it shows. */
  readyText?: string;
  /** The tmux key that interrupts the harness's current turn. */
  interruptKey?: string;
  /** Its config directory in HOME, its instructions file and how it takes a system prompt. */
  configDir?: string;
  instructionsFile?: string;
  /** A flag on the command line, or a file in HOME that the environment variable `env` points the harness at. */
  systemPrompt?: { flag: string } | { file: string; env: string };
  /**
   * Where a harness config's `settings` go: merged into this file of `configFiles` (ours win).
   * `reserved` are the keys (dotted paths) the hub writes itself — hooks, the permissions it
   * forces — which settings may not name. Without it the harness takes no settings.
   */
  settings?: { path: string; format: "json" | "toml"; reserved: string[] };
  /** Ways to authenticate; empty when the harness needs no credentials. */
  authTypes: HarnessAuthType[];
  /** How the model is chosen (a flag, a settings key): for people reading /api/v1/harnesses. */
  modelChoice?: string;
  /** The hook dialect its events come in, and which normalised events it emits. */
  hooks?: { dialect: HookDialect; events: HookEvent[] };
  /** The files written into the agent's HOME before start. */
  configFiles?(ctx: HarnessConfigContext): HarnessConfigFile[];
}
