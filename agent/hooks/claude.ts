import { boundedDetail, boundedOutput, lastAssistantText, str, type HookPayload, type HookReport } from "./report";

/** Notification types that mean the agent waits for its user (the rest are informational). */
const NEEDS_INPUT = new Set([
  "permission_prompt",
  "worker_permission_prompt",
  "idle_prompt",
  "agent_needs_input",
  "elicitation_dialog",
]);
/** SessionEnd reasons that switch conversations rather than end the session. */
const NOT_AN_END = new Set(["clear", "resume"]);

/**
 * Claude Code's hooks (settings.json `hooks`, JSON on stdin with `hook_event_name`). Also the
 * shape of Codex's own hooks, which copy it.
 */
export function mapClaude(p: HookPayload): HookReport | null {
  switch (str(p.hook_event_name)) {
    case "SessionStart":
      return { hookEvent: "session-start", activity: "idle", detail: null };
    case "UserPromptSubmit":
      return { hookEvent: "prompt-submit", activity: "thinking", detail: null };
    case "PreToolUse":
      return { hookEvent: "tool-start", activity: "executing", detail: boundedDetail(str(p.tool_name)) };
    case "PostToolUse":
    case "PostToolUseFailure":
      // The tool returned; the model reads its result.
      return { hookEvent: "tool-end", activity: "thinking", detail: null };
    case "Stop": {
      const lastOutput = boundedOutput(str(p.last_assistant_message) ?? lastAssistantText(str(p.transcript_path)));
      return { hookEvent: "turn-end", activity: "idle", detail: null, ...(lastOutput && { lastOutput }) };
    }
    case "Notification": {
      const type = str(p.notification_type);
      if (type !== undefined && !NEEDS_INPUT.has(type)) return { hookEvent: "notification" };
      return {
        hookEvent: "notification",
        activity: "waiting_for_input",
        detail: boundedDetail(str(p.message)) ?? "waiting for input",
      };
    }
    case "SessionEnd":
      // The shim reports `stopped` when the harness process really ends; /clear and /resume only
      // switch conversations.
      return NOT_AN_END.has(str(p.reason) ?? "") ? null : { hookEvent: "session-end" };
    default:
      // SubagentStop (the Task tool's PostToolUse follows), PreCompact and the rest change nothing.
      return null;
  }
}
