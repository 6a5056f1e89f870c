import type { HookDialect } from "../../lib/harnesses/types";
import { mapClaude } from "./claude";
import { mapCodex } from "./codex";
import { mapGemini } from "./gemini";
import type { HookPayload, HookReport } from "./report";

export const HOOK_DIALECTS: readonly HookDialect[] = ["claude", "gemini", "codex"];

const MAPPERS: Record<HookDialect, (p: HookPayload) => HookReport | null> = {
  claude: mapClaude,
  gemini: mapGemini,
  codex: mapCodex,
};

/** The report one hook event of a harness makes; null for events that say nothing to the hub. */
export function mapHookEvent(dialect: HookDialect, payload: HookPayload): HookReport | null {
  return MAPPERS[dialect](payload);
}
