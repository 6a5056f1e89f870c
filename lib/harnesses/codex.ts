import type { HarnessDescriptor, HarnessConfigContext, HarnessConfigFile } from "./types";

const toml = (value: string) => JSON.stringify(value);

/** Codex CLI (`@openai/codex`). */
export const codex: HarnessDescriptor = {
  id: "codex",
  name: "Codex",
  kind: "assistant",
  install: { npm: "@openai/codex", version: "0.171.0", bin: "codex" },
  binEnv: "SCION_HARNESS_CODEX_BIN",
  argv: ({ bin, task, model, resume }) => {
    const base = ["--dangerously-bypass-approvals-and-sandbox", ...(model ? ["--model", model] : [])];
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
    const lines = [
      ...(ctx.model ? [`model = ${toml(ctx.model)}`] : []),
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
    ];
    return [
      { path: ".codex/config.toml", content: lines.join("\n") },
      ...(ctx.instructions ? [{ path: ".codex/AGENTS.md", content: ctx.instructions }] : []),
    ];
  },
};
