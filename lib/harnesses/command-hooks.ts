/**
 * The hooks section the three CLIs share in shape: for each native event, one command hook that
 * runs the shim's hook bundle. They differ only in the timeout's unit (Claude and Codex take
 * seconds, Gemini milliseconds) and Codex's lack of a tool matcher.
 */
export function commandHooks(
  events: readonly string[],
  command: string,
  { timeout, matcher }: { timeout: number; matcher?: string },
): Record<string, Array<{ matcher?: string; hooks: Array<{ type: "command"; command: string; timeout: number }> }>> {
  const entry = { ...(matcher !== undefined && { matcher }), hooks: [{ type: "command" as const, command, timeout }] };
  return Object.fromEntries(events.map((e) => [e, [entry]]));
}
