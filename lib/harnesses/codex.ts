import type { HarnessDescriptor, HarnessConfigContext, HarnessConfigFile } from "./types";
import { instructionsWithPeople } from "./people-instructions";
import { commandHooks } from "./command-hooks";

const toml = (value: string) => JSON.stringify(value);

// Codex's hooks (hooks.json, Claude's schema); they run only when trusted, so argv bypasses hook trust. Not `notify`:
// it also fires for Codex's internal title thread, and not for every turn; `Stop` carries the same last message.
const HOOK_EVENTS = ["SessionStart", "SessionEnd", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop"] as const;

/** Codex CLI (`@openai/codex`). */
export const codex: HarnessDescriptor = {
  id: "codex",
  name: "Codex",
  kind: "assistant",
  install: { npm: "@openai/codex", version: "0.171.0", bin: "codex" },
  binEnv: "SCION_HARNESS_CODEX_BIN",
  argv: ({ bin, task, model, resume }) => {
    const base = [
      "--dangerously-bypass-approvals-and-sandbox",
      "--dangerously-bypass-hook-trust",
      ...(model ? ["--model", model] : []),
    ];
    if (resume) return [bin, "resume", "--last", ...base];
    return [bin, ...(task ? [task] : []), ...base];
  },
  sessionDir: ".codex/sessions",
  readyText: "Ask Codex to do anything",
  interruptKey: "C-c",
  configDir: ".codex",
  instructionsFile: ".codex/AGENTS.md",
  settings: {
    path: ".codex/config.toml",
    format: "toml",
    reserved: [
      "model",
      "model_provider",
      "model_providers",
      "approval_policy",
      "sandbox_mode",
      "check_for_update_on_startup",
      "projects",
      "analytics",
      "hooks",
      "notify",
    ],
  },
  authTypes: [
    { type: "openai-api-key", label: "OpenAI API key", requiredEnv: ["OPENAI_API_KEY"], requiredFiles: [] },
    { type: "codex-api-key", label: "Codex API key", requiredEnv: ["CODEX_API_KEY"], requiredFiles: [] },
    { type: "auth-file", label: "Codex auth file", requiredEnv: [], requiredFiles: [".codex/auth.json"] },
  ],
  modelChoice: "--model flag (config model)",
  hooks: {
    dialect: "codex",
    events: ["session-start", "prompt-submit", "tool-start", "tool-end", "turn-end", "session-end"],
  },
  configFiles: (ctx: HarnessConfigContext): HarnessConfigFile[] => {
    const env = ctx.env ?? {};
    // The interactive CLI ignores an API key in the env (it shows its sign-in screen unless ~/.codex/auth.json
    // exists) and ignores OPENAI_BASE_URL: an API key in the agent's env becomes a provider of its own that reads
    // the key from that env var, at OPENAI_BASE_URL when set (over HTTP; the built-in provider tries WebSockets).
    const keyEnv = env.OPENAI_API_KEY ? "OPENAI_API_KEY" : env.CODEX_API_KEY ? "CODEX_API_KEY" : null;
    const baseUrl = keyEnv ? (env.OPENAI_BASE_URL ?? "https://api.openai.com/v1") : null;
    const lines = [
      ...(ctx.model ? [`model = ${toml(ctx.model)}`] : []),
      ...(baseUrl ? [`model_provider = "scion"`] : []),
      `approval_policy = "never"`,
      `sandbox_mode = "danger-full-access"`,
      `check_for_update_on_startup = false`,
      "",
      `[projects.${toml(ctx.workspace)}]`,
      `trust_level = "trusted"`,
      "",
      "[analytics]",
      "enabled = false",
      "",
      ...(baseUrl
        ? [
            "[model_providers.scion]",
            `name = "OpenAI (API key from ${keyEnv})"`,
            `base_url = ${toml(baseUrl)}`,
            `env_key = ${toml(keyEnv!)}`,
            `wire_api = "responses"`,
            "supports_websockets = false",
            "",
          ]
        : []),
    ];
    const hooks = { hooks: commandHooks(HOOK_EVENTS, ctx.hookCommand, { timeout: 3 }) };
    return [
      { path: ".codex/config.toml", content: lines.join("\n") },
      { path: ".codex/hooks.json", content: JSON.stringify(hooks, null, 2) },
      { path: ".codex/AGENTS.md", content: instructionsWithPeople(ctx.instructions) },
    ];
  },
};
