import type { HarnessDescriptor, HarnessConfigContext, HarnessConfigFile } from "./types";
import { instructionsWithPeople } from "./people-instructions";
import { commandHooks } from "./command-hooks";

const HOOK_EVENTS = [
  "SessionStart",
  "SessionEnd",
  "UserPromptSubmit",
  "Stop",
  "SubagentStop",
  "PreToolUse",
  "PostToolUse",
  "Notification",
] as const;

/** Claude Code (`@anthropic-ai/claude-code`). */
export const claude: HarnessDescriptor = {
  id: "claude",
  name: "Claude Code",
  kind: "assistant",
  install: { npm: "@anthropic-ai/claude-code", version: "2.1.332", bin: "claude" },
  binEnv: "SCION_HARNESS_CLAUDE_BIN",
  argv: ({ bin, task, model, resume, systemPrompt }) => [
    bin,
    "--dangerously-skip-permissions",
    ...(model ? ["--model", model] : []),
    ...(systemPrompt ? ["--system-prompt", systemPrompt] : []),
    ...(resume ? ["--continue"] : task ? [task] : []),
  ],
  sessionDir: ".claude/projects",
  readyText: "bypass permissions on",
  interruptKey: "Escape",
  configDir: ".claude",
  instructionsFile: ".claude/CLAUDE.md",
  systemPrompt: { flag: "--system-prompt" },
  settings: {
    path: ".claude/settings.json",
    format: "json",
    reserved: [
      "hooks",
      "disableAllHooks",
      "permissions",
      "env",
      "skipDangerousModePermissionPrompt",
      "skipAutoPermissionPrompt",
    ],
  },
  authTypes: [
    { type: "api-key", label: "Anthropic API key", requiredEnv: ["ANTHROPIC_API_KEY"], requiredFiles: [] },
    {
      type: "oauth-token",
      label: "Claude Code OAuth token",
      requiredEnv: ["CLAUDE_CODE_OAUTH_TOKEN"],
      requiredFiles: [],
    },
    {
      type: "credentials-file",
      label: "Claude Code credentials file",
      requiredEnv: [],
      requiredFiles: [".claude/.credentials.json"],
    },
  ],
  modelChoice: "--model flag",
  hooks: {
    dialect: "claude",
    events: ["session-start", "prompt-submit", "tool-start", "tool-end", "turn-end", "notification", "session-end"],
  },
  configFiles: (ctx: HarnessConfigContext): HarnessConfigFile[] => {
    const settings = {
      permissions: { defaultMode: "bypassPermissions" },
      // The interactive CLI otherwise asks, before the first turn, whether to switch to auto mode.
      skipDangerousModePermissionPrompt: true,
      skipAutoPermissionPrompt: true,
      env: {
        DISABLE_AUTOUPDATER: "1",
        DISABLE_TELEMETRY: "1",
        DISABLE_ERROR_REPORTING: "1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        ...(ctx.model && { ANTHROPIC_MODEL: ctx.model }),
      },
      hooks: commandHooks(HOOK_EVENTS, ctx.hookCommand, { matcher: "*", timeout: 5 }),
    };
    // An API key from the environment is used interactively only once approved; Claude keeps the approval
    // as the key's last 20 characters (never the key itself).
    const apiKey = ctx.env?.ANTHROPIC_API_KEY?.trim();
    const state = {
      hasCompletedOnboarding: true,
      bypassPermissionsModeAccepted: true,
      hasSeenAutoDefaultNotice: true,
      hasSeenAutoDefaultNudge: true,
      hasSeenAutoModeEntryWarning: true,
      hasResetAutoModeOptInForDefaultOffer: true,
      autoUpdates: false,
      ...(apiKey && { customApiKeyResponses: { approved: [apiKey.slice(-20)], rejected: [] } }),
      projects: { [ctx.workspace]: { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true } },
    };
    return [
      { path: ".claude/settings.json", content: JSON.stringify(settings, null, 2) },
      { path: ".claude.json", content: JSON.stringify(state, null, 2), mergeJson: true },
      { path: ".claude/CLAUDE.md", content: instructionsWithPeople(ctx.instructions) },
    ];
  },
};
