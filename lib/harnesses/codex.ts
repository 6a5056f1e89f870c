import type { HarnessDescriptor, HarnessConfigContext, HarnessConfigFile } from "./types";

const toml = (value: string) => JSON.stringify(value);

// Codex's hooks (hooks.json, Claude's schema); they run only when trusted, so argv bypasses hook trust.
const HOOK_EVENTS = ["SessionStart", "SessionEnd", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop"] as const;

/** Codex CLI (`@openai/codex`). */
export const codex: HarnessDescriptor = {
  id: "codex",
  name: "Codex",
  kind: "assistant",
  install: { npm: "@openai/codex", version: "0.171.0", bin: "codex" },
  binEnv: "SCION_HARNESS_CODEX_BIN",
  argv: ({ bin, task, model, resume }) => {
    const base = ["--dangerously-bypass-approvals-and-sandbox", "--dangerously-bypass-hook-trust", ...(model ? ["--model", model] : [])];
    if (resume) return [bin, "resume", "--last", ...base];
    return [bin, ...(task ? [task] : []), ...base];
  },
  sessionDir: ".codex/sessions",
  interruptKey: "C-c",
  configDir: ".codex",
  instructionsFile: ".codex/AGENTS.md",
  authTypes: [
    { type: "openai-api-key", label: "OpenAI API key", requiredEnv: ["OPENAI_API_KEY"], requiredFiles: [] },
    { type: "codex-api-key", label: "Codex API key", requiredEnv: ["CODEX_API_KEY"], requiredFiles: [] },
    { type: "auth-file", label: "Codex auth file", requiredEnv: [], requiredFiles: [".codex/auth.json"] },
  ],
  modelChoice: "--model flag (config model)",
  hooks: { dialect: "codex", events: ["turn-end", "response-complete"] },
  configFiles: (ctx: HarnessConfigContext): HarnessConfigFile[] => {
    const notify = ctx.hookCommand.split(" ");
    const env = ctx.env ?? {};
    // Codex ignores OPENAI_BASE_URL for its built-in provider (and would try WebSockets first): a base URL
    // in the agent's env becomes a provider of its own, keyed by whichever API key env the agent has.
    const baseUrl = env.OPENAI_BASE_URL;
    const keyEnv = env.OPENAI_API_KEY ? "OPENAI_API_KEY" : env.CODEX_API_KEY ? "CODEX_API_KEY" : "OPENAI_API_KEY";
    const lines = [
      ...(ctx.model ? [`model = ${toml(ctx.model)}`] : []),
      ...(baseUrl ? [`model_provider = "scion"`] : []),
      `approval_policy = "never"`,
      `sandbox_mode = "danger-full-access"`,
      `check_for_update_on_startup = false`,
      `notify = [${notify.map(toml).join(", ")}]`,
      "",
      `[projects.${toml(ctx.workspace)}]`,
      `trust_level = "trusted"`,
      "",
      "[analytics]",
      "enabled = false",
      "",
      ...(baseUrl
        ? ["[model_providers.scion]", `name = "OpenAI-compatible (OPENAI_BASE_URL)"`, `base_url = ${toml(baseUrl)}`, `env_key = ${toml(keyEnv)}`, `wire_api = "responses"`, "supports_websockets = false", ""]
        : []),
    ];
    const hook = [{ hooks: [{ type: "command", command: ctx.hookCommand, timeout: 3 }] }];
    const hooks = { hooks: Object.fromEntries(HOOK_EVENTS.map((e) => [e, hook])) };
    return [
      { path: ".codex/config.toml", content: lines.join("\n") },
      { path: ".codex/hooks.json", content: JSON.stringify(hooks, null, 2) },
      ...(ctx.instructions ? [{ path: ".codex/AGENTS.md", content: ctx.instructions }] : []),
    ];
  },
};
