import type { Agent, AgentActivity, AgentPhase } from "../db/generated/client";
import type { HookEvent } from "../harnesses/types";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";
import type { AgentChange } from "./change-agent";
import { stopOverLimit, turnLimitReached } from "./enforce-agent-limits";
import type { AgentJson, AgentStatusBody } from "./schemas";
import { statusBatchFor } from "./status-batch";
import { toAgentJson } from "./to-agent-json";

/** The start-up chain in which a phase may only move forward. */
const STARTUP_CHAIN: AgentPhase[] = ["created", "provisioning", "cloning", "starting", "running"];
const WORKING: AgentActivity[] = ["thinking", "executing"];
const WINDING_DOWN: AgentPhase[] = ["stopping", "stopped"];
/** Activities that say something the user must see until new work begins. */
const STICKY: AgentActivity[] = ["waiting_for_input", "completed"];
/** Hook events that start new work, and so end a sticky activity. */
const NEW_WORK: HookEvent[] = ["prompt-submit", "session-start"];
/** Hook events that set a sticky activity themselves. */
const SETS_STICKY: HookEvent[] = ["notification", "response-complete"];
/** What the hub keeps of a harness's last output. */
export const LAST_OUTPUT_CHARS = 4000;

/**
 * POST /agents/{id}/status from the agent's shim: a partial update. Every call sets lastSeen. A
 * phase moving backwards along created → … → running is refused (409, nothing changes); working
 * activity before `running` promotes the phase to `running`. While the hub is stopping the
 * agent (or has stopped it), the shim's late reports cannot bring it back: `error` from a
 * harness ended by the stop counts as `stopped`, and start-up phases are ignored. A pure
 * heartbeat touches lastSeen only, and brings an agent marked `offline` back to what it was doing;
 * `stalled` ends with the next activity report.
 *
 * Reports from the harness's hooks carry `hookEvent`. A sticky activity (waiting_for_input,
 * completed) outlives the tool/model/turn ends and tool starts that follow it (a parallel tool
 * ending says nothing about the question the user was asked) and gives way only to new work
 * (prompt-submit, session-start) or another sticky one. `prompt-submit` counts a turn; one over
 * `limits.maxTurns` marks the agent `limits_exceeded` and the hub stops it. Nothing a hook says
 * replaces `limits_exceeded`, which also stays on once the agent stopped.
 *
 * Reports are applied in batches (lib/agents/status-batch.ts): one transaction under the row
 * locks of the batch's agents writes their state, history and notification events, with the
 * same rules as changeAgent, and one statement announces the changes. A pure heartbeat of an
 * agent that is running its course (not ended, not offline) changes nothing by these rules but
 * lastSeen: those take recordHeartbeat's shorter way first, and come here only when it declined.
 */
export async function ingestAgentStatus(
  runtime: HubRuntime,
  agentId: string,
  body: AgentStatusBody,
  tokenVersion?: number,
): Promise<AgentJson> {
  const { agent, overLimit } = await statusBatchFor(runtime).submit(
    agentId,
    (current, now) => {
      const next = nextState(current, body, now);
      return {
        change: next,
        touch: { lastSeen: now, ...(body.activity && { lastActivityAt: now }) },
        overLimit:
          next?.activity === "limits_exceeded" && current.activity !== "limits_exceeded" ? (next.detail ?? null) : null,
      };
    },
    tokenVersion,
  );
  if (overLimit) {
    void stopOverLimit(runtime, agentId, overLimit).catch((err: Error) =>
      runtime.logger.warn({ agentId, err: err.message }, "stopping an agent over its limits failed"),
    );
  }
  return toAgentJson(agent);
}

/**
 * A pure heartbeat (isPureHeartbeat) from a token minted for `tokenVersion`, written with the
 * others that arrive meanwhile by one statement that also checks the version (StatusBatch's
 * heartbeat): the agent's JSON, or null, having written nothing, when the token was superseded,
 * the agent is gone, or it ended or is offline (the rules decide those: ingestAgentStatus).
 */
export function recordHeartbeat(runtime: HubRuntime, agentId: string, tokenVersion: number): Promise<AgentJson | null> {
  return statusBatchFor(runtime).heartbeat(agentId, tokenVersion);
}

/** `{heartbeat: true}` and nothing else: it says only that the agent is alive. */
export function isPureHeartbeat(body: AgentStatusBody): boolean {
  return body.heartbeat === true && Object.keys(body).length === 1;
}

function nextState(agent: Agent, body: AgentStatusBody, now: Date): AgentChange | null {
  let phase = body.phase ?? agent.phase;
  if (WINDING_DOWN.includes(agent.phase) && body.phase)
    phase = body.phase === "error" || body.phase === "stopped" ? "stopped" : agent.phase;
  const from = STARTUP_CHAIN.indexOf(agent.phase);
  const to = STARTUP_CHAIN.indexOf(phase);
  if (body.phase && from >= 0 && to >= 0 && to < from) {
    throw new ApiError("conflict", `The phase may not move back from ${agent.phase} to ${phase}.`);
  }
  const hook = body.hookEvent;
  // A hook's activity that would overwrite what must stay is dropped, with its detail.
  const kept =
    agent.activity === "limits_exceeded" ||
    (hook !== undefined &&
      agent.activity !== null &&
      STICKY.includes(agent.activity) &&
      !NEW_WORK.includes(hook) &&
      !SETS_STICKY.includes(hook));
  const reported = kept ? undefined : (body.activity as AgentActivity | undefined);
  let activity = reported ?? agent.activity;
  let detail = kept || body.detail === undefined ? agent.detail : body.detail;
  let previousActivity = agent.previousActivity;
  if (reported) previousActivity = null;
  else if (agent.activity === "offline") {
    // Any report proves the agent is back; it resumes what it was doing.
    activity = agent.previousActivity ?? "idle";
    previousActivity = null;
  }
  let turnCount = agent.turnCount;
  if (hook === "prompt-submit" && agent.activity !== "limits_exceeded") {
    turnCount++;
    const reached = turnLimitReached(agent, turnCount);
    if (reached) {
      activity = "limits_exceeded";
      detail = reached;
      previousActivity = null;
    }
  }
  if (reported && WORKING.includes(reported)) {
    const at = STARTUP_CHAIN.indexOf(phase);
    if (at >= 0 && at < STARTUP_CHAIN.indexOf("running")) phase = "running";
  }
  // An agent that ended does nothing any more (one stopped over its limits says so).
  if ((phase === "stopped" || phase === "error") && activity !== "limits_exceeded") activity = null;
  const lastOutput = body.lastOutput !== undefined ? boundOutput(body.lastOutput) : undefined;
  const change: AgentChange = {
    phase,
    activity,
    previousActivity,
    detail,
    ...(turnCount !== agent.turnCount && { turnCount }),
    ...(hook === "prompt-submit" && !agent.sessionStartedAt && { sessionStartedAt: now }),
    ...(lastOutput && { lastOutput }),
    ...(phase === "running" && agent.phase !== "running" && { startedAt: now }),
    // An agent that ended holds no ports (its broker takes them back at its next heartbeat).
    ...((phase === "stopped" || phase === "error") && { ports: {}, urls: {} }),
  };
  return change;
}

/** Trimmed, at most LAST_OUTPUT_CHARS (never half a surrogate pair); empty says nothing. */
function boundOutput(text: string): string | undefined {
  let t = text.trim();
  if (t.length > LAST_OUTPUT_CHARS) {
    t = t.slice(0, LAST_OUTPUT_CHARS);
    if (/[\uD800-\uDBFF]$/.test(t)) t = t.slice(0, -1);
    t = t.trimEnd();
  }
  return t || undefined;
}
