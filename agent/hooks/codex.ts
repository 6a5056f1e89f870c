import { mapClaude } from "./claude";
import { boundedOutput, str, type HookPayload, type HookReport } from "./report";

/**
 * Codex: `notify = [...]` in config.toml runs the command with one JSON argument, the only event
 * being `agent-turn-complete` (with `last-assistant-message`). Codex's own hooks, if a config
 * registers them, send Claude-shaped JSON on stdin.
 */
export function mapCodex(p: HookPayload): HookReport | null {
  if (typeof p.hook_event_name === "string") return mapClaude(p);
  if (str(p.type) !== "agent-turn-complete") return null;
  const lastOutput = boundedOutput(str(p["last-assistant-message"]));
  return { hookEvent: "turn-end", activity: "idle", detail: null, ...(lastOutput && { lastOutput }) };
}
