import { mintAgentToken } from "../auth/agent-token";
import type { Agent, AgentPhase } from "../db/generated/client";
import { chooseBroker } from "../dispatch/choose-broker";
import { dispatchToBroker, requireReachable } from "../dispatch/route-to-broker";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";
import { changeAgent } from "./change-agent";
import type { AgentJson } from "./schemas";
import { toAgentJson } from "./to-agent-json";
import { waitForAgent } from "./wait-for-agent";
import { flushPendingMessages } from "../messages/deliver-message";
import { openAgentEnv } from "./agent-env";
import { hasCredentials, resolveAgentCredentials } from "../secrets/resolve-agent-credentials";
import { templateStartArgs } from "../templates/template-snapshot";
import { agentWorkspaceArgs } from "./agent-workspace";
import { assertProjectGitToken } from "../secrets/resolve-project-git-token";

export const AT_REST: readonly AgentPhase[] = ["created", "stopped", "error"];
const STARTING: readonly AgentPhase[] = ["provisioning", "cloning", "starting"];
/** How long a lifecycle call waits without any news from the agent before answering 202. */
export const LIFECYCLE_IDLE_WAIT_MS = 30_000;
/** A start may clone a repository first. */
const BROKER_START_TIMEOUT_MS = 5 * 60_000;
const BROKER_STOP_TIMEOUT_MS = 30_000;

export interface StartOptions {
  /** Start a new conversation instead of resuming the harness's previous one. */
  fresh?: boolean;
}

export interface LifecycleOutcome {
  /** 200 once the agent reached the target phase; 202 while it is still on its way. */
  status: 200 | 202;
  agent: AgentJson;
}

/**
 * Starts an agent on its broker: places it (its broker, else the project's default, else the
 * least busy online broker; on whichever replica holds it), moves it to `provisioning` (only from rest, so two starts cannot
 * both dispatch), mints its token and asks the broker to start it under the shim. The broker
 * answers with the ports it allocated; the shim then reports `starting` and `running`. The call
 * waits for a settled phase with a rolling timeout. A broker that refuses leaves the agent in
 * `error` with the reason. The harness resumes its previous conversation unless `fresh`; each
 * start counts turns (limits.maxTurns) from zero.
 */
export async function startAgent(
  runtime: HubRuntime,
  agent: Agent,
  actor: string,
  idleWaitMs = LIFECYCLE_IDLE_WAIT_MS,
  options: StartOptions = {},
): Promise<LifecycleOutcome> {
  const { prisma, events } = runtime;
  if (agent.phase === "running") return { status: 200, agent: toAgentJson(agent) };
  if (agent.phase === "stopping")
    throw new ApiError("conflict", "The agent is stopping; start it again once it has stopped.");
  if (STARTING.includes(agent.phase)) return settle(runtime, agent.id, idleWaitMs);

  // Missing credentials refuse the start (422) before the agent is claimed: nothing changes.
  const credentials = await resolveAgentCredentials(runtime, agent);
  const project = await prisma.project.findUniqueOrThrow({
    where: { id: agent.projectId },
    select: { id: true, defaultBrokerId: true, gitRemote: true, defaultBranch: true, gitTokenSecret: true, env: true },
  });
  const workspace = project.gitRemote
    ? await agentWorkspaceArgs(runtime, agent, { ...project, gitRemote: project.gitRemote })
    : null;
  const brokerId = await chooseBroker(runtime, {
    brokerId: agent.brokerId,
    projectDefaultBrokerId: project.defaultBrokerId,
  });
  await requireReachable(runtime, brokerId);

  const waiter = waitForAgent(events, agent.id, isSettled, idleWaitMs);
  const claimed = await changeAgent(prisma, events, agent.id, actor, (a) =>
    AT_REST.includes(a.phase)
      ? { phase: "provisioning", activity: null, previousActivity: null, detail: null, brokerId, turnCount: 0 }
      : null,
  ).catch((err: unknown) => {
    waiter.cancel();
    throw err;
  });
  if (!claimed.changed) {
    // Someone else moved the agent between our read and the lock: answer with where it is going.
    waiter.cancel();
    if (claimed.agent.phase === "running") return { status: 200, agent: toAgentJson(claimed.agent) };
    if (STARTING.includes(claimed.agent.phase)) return settle(runtime, agent.id, idleWaitMs);
    throw new ApiError("conflict", `The agent is ${claimed.agent.phase}; start it again once it has stopped.`);
  }

  let started: {
    ports?: Record<string, number>;
    urls?: Record<string, string>;
    workspace?: { branch: string; baseBranch: string };
  };
  try {
    const { token } = await mintAgentToken(runtime.sessionSecret, claimed.agent);
    started = (await dispatchToBroker(runtime, {
      brokerId,
      agentId: agent.id,
      op: "agent.start",
      args: {
        agentId: agent.id,
        harness: agent.harness,
        command: agent.command,
        task: agent.task,
        model: agent.model,
        resume: !options.fresh,
        // The project's env under the agent's own (its template's and its creator's), as the project is now.
        env: { ...((project.env ?? {}) as Record<string, string>), ...openAgentEnv(runtime.sessionSecret, agent) },
        ...(workspace ? { workspace } : { gitRemote: project.gitRemote }),
        allowPrivateRemote: runtime.config.allowPrivateGitRemotes,
        token,
        ...(hasCredentials(credentials) && { credentials }),
        // From the template it was created from (its snapshot): instructions, system prompt, settings, files.
        ...templateStartArgs(agent),
      },
      timeoutMs: BROKER_START_TIMEOUT_MS,
      actor,
    })) as typeof started;
  } catch (err) {
    waiter.cancel();
    const reason = err instanceof Error ? err.message : String(err);
    await changeAgent(prisma, events, agent.id, actor, () => ({
      phase: "error",
      detail: reason.slice(0, 1000),
      ports: {},
      urls: {},
    }));
    throw err;
  }
  const placed = await changeAgent(prisma, events, agent.id, actor, (a) => ({
    ports: started.ports ?? {},
    urls: started.urls ?? {},
    ...(started.workspace?.branch && { branch: started.workspace.branch, baseBranch: started.workspace.baseBranch }),
    ...((a.phase === "provisioning" || a.phase === "cloning") && { phase: "starting" as const }),
  }));
  waiter.offer(toAgentJson(placed.agent));
  return finishWait(runtime, agent.id, await waiter.result);
}

/**
 * Stops an agent: `stopping`, the broker ends the shim (SIGTERM, then the session), releases the
 * agent's ports, then `stopped`; its tokens are retired either way. An agent at rest is already
 * stopped (200, nothing sent to the broker). If the broker fails, the agent goes back to the
 * phase it had and the caller gets the reason.
 */
export async function stopAgent(runtime: HubRuntime, agent: Agent, actor: string): Promise<LifecycleOutcome> {
  const { prisma, events } = runtime;
  if (AT_REST.includes(agent.phase)) {
    await retireAgentTokens(prisma, agent.id);
    return { status: 200, agent: toAgentJson(agent) };
  }
  const stopped = {
    phase: "stopped" as const,
    activity: null,
    previousActivity: null,
    detail: null,
    ports: {},
    urls: {},
  };
  if (!agent.brokerId) {
    const { agent: after } = await changeAgent(prisma, events, agent.id, actor, () => stopped);
    await retireAgentTokens(prisma, agent.id);
    return { status: 200, agent: toAgentJson(after) };
  }
  await requireReachable(runtime, agent.brokerId);
  const before = agent.phase;
  await changeAgent(prisma, events, agent.id, actor, (a) => (AT_REST.includes(a.phase) ? null : { phase: "stopping" }));
  try {
    await dispatchToBroker(runtime, {
      brokerId: agent.brokerId,
      agentId: agent.id,
      op: "agent.stop",
      args: { agentId: agent.id },
      timeoutMs: BROKER_STOP_TIMEOUT_MS,
      actor,
    });
  } catch (err) {
    await changeAgent(prisma, events, agent.id, actor, (a) => (a.phase === "stopping" ? { phase: before } : null));
    throw err;
  }
  const { agent: after } = await changeAgent(prisma, events, agent.id, actor, () => stopped);
  await retireAgentTokens(prisma, agent.id);
  return { status: 200, agent: toAgentJson(after) };
}

/**
 * A stopped agent's tokens die with it: bumping tokenVersion retires every token minted before,
 * on every replica at once (the next start mints a new one). Done once the broker has stopped the
 * shim, so its last reports on the way down are still heard.
 */
async function retireAgentTokens(prisma: HubRuntime["prisma"], agentId: string): Promise<void> {
  await prisma.agent.updateMany({ where: { id: agentId }, data: { tokenVersion: { increment: 1 } } });
}

/** A real restart: the session ends (ports released) and a new one starts (ports allocated), resuming the conversation unless `fresh`. */
export async function restartAgent(
  runtime: HubRuntime,
  agent: Agent,
  actor: string,
  idleWaitMs = LIFECYCLE_IDLE_WAIT_MS,
  options: StartOptions = {},
): Promise<LifecycleOutcome> {
  // A restart that could not start again must not stop the agent first.
  await resolveAgentCredentials(runtime, agent);
  await assertProjectGitToken(runtime, agent.projectId);
  await stopAgent(runtime, agent, actor);
  return startAgent(
    runtime,
    await runtime.prisma.agent.findUniqueOrThrow({ where: { id: agent.id } }),
    actor,
    idleWaitMs,
    options,
  );
}

function isSettled(agent: AgentJson): boolean {
  return !STARTING.includes(agent.phase as AgentPhase);
}

async function settle(runtime: HubRuntime, agentId: string, idleWaitMs: number): Promise<LifecycleOutcome> {
  const waiter = waitForAgent(runtime.events, agentId, isSettled, idleWaitMs);
  const current = await runtime.prisma.agent.findUnique({ where: { id: agentId } });
  if (current) waiter.offer(toAgentJson(current));
  return finishWait(runtime, agentId, await waiter.result);
}

async function finishWait(runtime: HubRuntime, agentId: string, settled: AgentJson | null): Promise<LifecycleOutcome> {
  const current = await runtime.prisma.agent.findUnique({ where: { id: agentId } });
  if (!current) throw new ApiError("not_found", "The agent was deleted while it started.");
  const json = toAgentJson(current);
  if (!settled || STARTING.includes(current.phase)) return { status: 202, agent: json };
  if (current.phase === "error")
    throw new ApiError("conflict", `The agent did not start: ${current.detail ?? "its harness failed"}.`, {
      agent: json,
    });
  if (current.phase === "running") void flushPendingMessages(runtime, agentId);
  return { status: 200, agent: json };
}
