/**
 * What an agent can be doing. Shared with the agent shim (`scion-agent report`), so the hub and
 * the shim accept the same words; pure constants, importing nothing.
 */
export const ACTIVITIES = [
  "idle",
  "thinking",
  "executing",
  "waiting_for_input",
  "blocked",
  "completed",
  "limits_exceeded",
  "stalled",
  "offline",
] as const;
/** Activities only the hub sets (from missing heartbeats or activity); agents may not report them. */
export const HUB_ONLY_ACTIVITIES = ["stalled", "offline"] as const;
/** The activities an agent may report about itself. */
export const REPORTABLE_ACTIVITIES = ACTIVITIES.filter(
  (a): a is Exclude<(typeof ACTIVITIES)[number], (typeof HUB_ONLY_ACTIVITIES)[number]> =>
    !(HUB_ONLY_ACTIVITIES as readonly string[]).includes(a),
) as [Exclude<(typeof ACTIVITIES)[number], (typeof HUB_ONLY_ACTIVITIES)[number]>, ...string[]];
