import { z } from "zod";
import { principalId, type Principal } from "../auth/principal";
import type { Agent } from "../db/generated/client";
import { dispatchToBroker } from "../dispatch/route-to-broker";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";

const BROKER_SCREEN_TIMEOUT_MS = 10_000;

const flag = z
  .enum(["true", "false", "1", "0"])
  .transform((v) => v === "true" || v === "1")
  .optional();

/** GET /agents/{id}/screen: `?ansi=true` keeps colours and attributes as escape sequences. */
export const agentScreenQuery = z.object({ ansi: flag }).strict();

export const agentScreenSchema = z.object({
  agentId: z.uuid(),
  text: z.string(),
  cols: z.number().int(),
  rows: z.number().int(),
  ansi: z.boolean(),
  capturedAt: z.iso.datetime(),
});
export type AgentScreenJson = z.infer<typeof agentScreenSchema>;

const brokerScreen = z.object({ text: z.string(), cols: z.number().int(), rows: z.number().int() });

const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b./g;
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f]/g;

/**
 * An agent's current screen, captured by tmux on its broker (wherever the broker's channel is
 * held): plain text unless `ansi`. Only a running agent has a screen (409 otherwise). The broker
 * captures plain text without escapes already; what is left of control characters is removed here
 * too, so a plain answer never carries one.
 */
export async function captureAgentScreen(
  runtime: HubRuntime,
  principal: Principal,
  agent: Agent,
  ansi: boolean,
): Promise<AgentScreenJson> {
  if (agent.phase !== "running" || !agent.brokerId)
    throw new ApiError("conflict", `The agent is ${agent.phase}; only a running agent has a screen.`);
  const raw = await dispatchToBroker(runtime, {
    brokerId: agent.brokerId,
    agentId: agent.id,
    op: "agent.screen",
    args: { agentId: agent.id, ansi },
    timeoutMs: BROKER_SCREEN_TIMEOUT_MS,
    actor: principalId(principal),
    ephemeral: true,
  });
  const screen = brokerScreen.safeParse(raw);
  if (!screen.success) throw new ApiError("internal", "The runtime broker answered the screen in an unknown shape.");
  const text = ansi ? screen.data.text : screen.data.text.replace(ESCAPES, "").replace(CONTROLS, "");
  return {
    agentId: agent.id,
    text,
    cols: screen.data.cols,
    rows: screen.data.rows,
    ansi,
    capturedAt: new Date().toISOString(),
  };
}
