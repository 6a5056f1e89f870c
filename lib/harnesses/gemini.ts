import type { HarnessDescriptor, HarnessConfigContext, HarnessConfigFile } from "./types";
import { instructionsWithPeople } from "./people-instructions";
import { commandHooks } from "./command-hooks";

const HOOK_EVENTS = [
  "SessionStart",
  "SessionEnd",
  "BeforeAgent",
  "AfterAgent",
  "BeforeTool",
  "AfterTool",
  "BeforeModel",
  "AfterModel",
  "Notification",
] as const;

/** Gemini CLI (`@google/gemini-cli`). */
export const gemini: HarnessDescriptor = {
  id: "gemini",
  name: "Gemini CLI",
  kind: "assistant",
  install: { npm: "@google/gemini-cli", version: "0.61.0", bin: "gemini" },
  binEnv: "SCION_HARNESS_GEMINI_BIN",
  argv: ({ bin, task, model, resume }) => [
    bin,
    "--yolo",
    ...(model ? ["--model", model] : []),
    ...(resume ? ["--resume", "latest"] : task ? ["--prompt-interactive", task] : []),
  ],
  sessionDir: ".gemini/tmp",
  readyText: "Type your message",
  interruptKey: "Escape",
  configDir: ".gemini",
  instructionsFile: ".gemini/GEMINI.md",
  // Gemini CLI replaces its system prompt with the file GEMINI_SYSTEM_MD names.
  systemPrompt: { file: ".gemini/system_prompt.md", env: "GEMINI_SYSTEM_MD" },
  settings: {
    path: ".gemini/settings.json",
    format: "json",
    reserved: [
      "hooks",
      "security.auth",
      "security.folderTrust",
      "general.disableAutoUpdate",
      "general.disableUpdateNag",
      "model.name",
    ],
  },
  authTypes: [
    { type: "gemini-api-key", label: "Gemini API key", requiredEnv: ["GEMINI_API_KEY"], requiredFiles: [] },
    { type: "google-api-key", label: "Google API key", requiredEnv: ["GOOGLE_API_KEY"], requiredFiles: [] },
    {
      type: "oauth-file",
      label: "Gemini OAuth credentials file",
      requiredEnv: [],
      requiredFiles: [".gemini/oauth_creds.json"],
    },
  ],
  modelChoice: "--model flag (settings model.name)",
  hooks: {
    dialect: "gemini",
    events: [
      "session-start",
      "prompt-submit",
      "model-start",
      "model-end",
      "tool-start",
      "tool-end",
      "turn-end",
      "notification",
      "session-end",
    ],
  },
  configFiles: (ctx: HarnessConfigContext): HarnessConfigFile[] => {
    const settings = {
      security: { auth: { selectedType: "gemini-api-key" }, folderTrust: { enabled: false } },
      general: { disableAutoUpdate: true, disableUpdateNag: true },
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
      ...(ctx.model && { model: { name: ctx.model } }),
      hooks: commandHooks(HOOK_EVENTS, ctx.hookCommand, { matcher: "*", timeout: 5000 }),
    };
    return [
      { path: ".gemini/settings.json", content: JSON.stringify(settings, null, 2) },
      { path: ".gemini/GEMINI.md", content: instructionsWithPeople(ctx.instructions) },
      ...(ctx.systemPrompt ? [{ path: ".gemini/system_prompt.md", content: ctx.systemPrompt }] : []),
    ];
  },
};
