import { boundedDetail, boundedOutput, lastAssistantText, str, type HookPayload, type HookReport } from "./report";

/** Gemini CLI's hooks (settings.json `hooks`, JSON on stdin with `hook_event_name`). */
export function mapGemini(p: HookPayload): HookReport | null {
  switch (str(p.hook_event_name)) {
    case "SessionStart":
      return { hookEvent: "session-start", activity: "idle", detail: null };
    case "BeforeAgent":
      return { hookEvent: "prompt-submit", activity: "thinking", detail: null };
    case "BeforeModel":
      return { hookEvent: "model-start", activity: "thinking", detail: null };
    case "AfterModel":
      // A model call's end is not the turn's: tools or another call may follow, and AfterAgent
      // says when the turn ends. Reporting idle here would flicker between calls.
      return { hookEvent: "model-end" };
    case "BeforeTool":
      return { hookEvent: "tool-start", activity: "executing", detail: boundedDetail(str(p.tool_name)) };
    case "AfterTool":
      return { hookEvent: "tool-end", activity: "thinking", detail: null };
    case "AfterAgent": {
      const lastOutput = boundedOutput(responseText(p.prompt_response) ?? lastAssistantText(str(p.transcript_path)));
      return { hookEvent: "turn-end", activity: "idle", detail: null, ...(lastOutput && { lastOutput }) };
    }
    case "Notification":
      // Gemini's notifications (ToolPermission, …) all ask the user for something.
      return {
        hookEvent: "notification",
        activity: "waiting_for_input",
        detail: boundedDetail(str(p.message)) ?? "waiting for input",
      };
    case "SessionEnd":
      return str(p.reason) === "clear" ? null : { hookEvent: "session-end" };
    default:
      return null;
  }
}

/** `prompt_response` is the turn's text; tolerate a generateContent-shaped object too. */
function responseText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  const parts = (v as { candidates?: Array<{ content?: { parts?: Array<{ text?: unknown }> } }> } | null)
    ?.candidates?.[0]?.content?.parts;
  if (!Array.isArray(parts)) return undefined;
  return parts.map((part) => str(part.text) ?? "").join("") || undefined;
}
