import { recordAudit } from "../audit/record-audit";
import { requireAgentScope } from "../auth/agent-token";
import { principalId, type Principal } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import type { HubRuntime } from "../runtime/hub-runtime";
import { ApiError } from "../http/api-error";
import { slugify } from "../naming/slugify";
import { agentBranchName } from "../net/git-ref-name";
import { publishAgentEvent } from "./publish-agent-event";
import { chooseBroker } from "../dispatch/choose-broker";
import { requireReachable } from "../dispatch/route-to-broker";
import { startAgent } from "./lifecycle";
import type { AgentJson, CreateAgentBody } from "./schemas";
import { toAgentJson } from "./to-agent-json";
import { sealAgentEnv } from "./agent-env";
import { resolveAgentCredentials } from "../secrets/resolve-agent-credentials";
import { canSeeProject } from "../projects/project-access";
import { applyAgentTemplate } from "../templates/apply-template";
import type { UserIdentity } from "../auth/principal";
import type { Prisma } from "../db/generated/client";
import { assertProjectGitToken } from "../secrets/resolve-project-git-token";

/** How far a chain of legacy agent-owned agents is followed to find the person behind it. */
const MAX_OWNER_HOPS = 10;

/**
 * Records a new agent in phase `created`. A person's agent is theirs. A sub-agent (created with
 * an agent token holding agent:create) belongs to the person who owns the parent agent, with the
 * parent as its creator, so that person sees and controls it; it stays in the parent's project
 * and on the parent's broker (403 otherwise). Every person owns at most `maxAgentsPerUser` agents,
 * sub-agents included: beyond it, 409 quota_exceeded (409, not 429: retrying later does not help
 * until an agent is deleted, and clients retry 429s by themselves). With `start: true` its harness
 * must have credentials and a broker must be able to take it (checked before anything is written:
 * 422 missing_credentials, 422 no_runtime_broker, 503 broker_unavailable), and the agent is
 * started at once; the answer is the agent as it stands once it runs, or still starting after the
 * rolling wait.
 */
export async function createAgent(
  runtime: HubRuntime,
  principal: Principal,
  body: CreateAgentBody,
  requestId?: string,
): Promise<AgentJson> {
  const { prisma } = runtime;
  requireAgentScope(principal, "agent:create");
  const project = await prisma.project.findUnique({ where: { id: body.projectId } });
  // A members-only project is as absent to those who cannot see it (a sub-agent stays in its parent's project).
  if (!project || (principal.kind === "user" && !(await canSeeProject(prisma, principal, project.id))))
    throw new ApiError("not_found", "No such project.");
  const placement =
    principal.kind === "agent"
      ? await subAgentPlacement(prisma, principal.agentId, project.id, body)
      : { ownerUserId: principal.user.id, brokerId: body.brokerId ?? null };
  if (
    placement.brokerId &&
    !(await prisma.runtimeBroker.findUnique({ where: { id: placement.brokerId }, select: { id: true } }))
  ) {
    throw new ApiError("no_runtime_broker", "The named runtime broker does not exist.");
  }
  // The template (named, else the project's default) applies; the request's own fields override it.
  const applied = await applyAgentTemplate(
    prisma,
    principal.kind === "user" ? principal.user : await ownerIdentity(prisma, placement.ownerUserId),
    project,
    body,
  );
  if (applied.harness === "generic" && !body.command)
    throw new ApiError("validation_error", "The generic harness needs a command.", [
      { path: "command", message: "the generic harness needs a command" },
    ]);
  if (body.start) {
    // Checked before anything is written: a start that would be refused leaves no agent behind.
    await resolveAgentCredentials(runtime, {
      harness: applied.harness,
      projectId: project.id,
      ownerId: `user:${placement.ownerUserId}`,
      env: applied.env,
      templateSnapshot: applied.snapshot,
      requiredSecrets: body.secrets,
    });
    await assertProjectGitToken(runtime, project.id);
    await requireReachable(
      runtime,
      await chooseBroker(runtime, { brokerId: placement.brokerId, projectDefaultBrokerId: project.defaultBrokerId }),
    );
  }
  const slug = slugify(body.name, "agent");
  const creator = principalId(principal);
  const owner = `user:${placement.ownerUserId}`;
  const limit = runtime.config.maxAgentsPerUser;
  const agent = await prisma.$transaction(async (tx) => {
    // The owner's row lock serialises their creations, so simultaneous ones cannot overshoot the quota.
    const [row] = await tx.$queryRaw<
      Array<{ status: string }>
    >`SELECT status::text AS status FROM users WHERE id = ${placement.ownerUserId}::uuid FOR UPDATE`;
    if (!row || row.status !== "active")
      throw new ApiError("forbidden", "The agent's owner is suspended or gone; it cannot create agents.");
    if ((await tx.agent.count({ where: { ownerId: owner } })) >= limit) {
      const message = `Agent quota exceeded: a person may own at most ${limit} agents (sub-agents included). Delete some first.`;
      throw new ApiError("quota_exceeded", message, { limit });
    }
    if (
      await tx.agent.findUnique({ where: { projectId_slug: { projectId: project.id, slug } }, select: { id: true } })
    ) {
      throw new ApiError("conflict", `The project already has an agent called "${slug}".`);
    }
    const created = await tx.agent.create({
      data: {
        slug,
        name: body.name,
        projectId: project.id,
        brokerId: placement.brokerId,
        harness: applied.harness,
        command: body.command ?? null,
        task: applied.task,
        model: applied.model,
        templateId: applied.templateId,
        ...(applied.snapshot && { templateSnapshot: applied.snapshot as Prisma.InputJsonObject }),
        limits: applied.limits,
        requiredSecrets: body.secrets ?? [],
        envSealed: sealAgentEnv(runtime.sessionSecret, applied.env),
        // The agent's branch, when its project has a repository (a start of an agent without one names it then).
        branch: body.branch ?? (project.gitRemote ? agentBranchName(slug) : null),
        baseBranch: project.gitRemote ? project.defaultBranch : null,
        createdBy: creator,
        ownerId: owner,
      },
    });
    await tx.agentStateChange.create({ data: { agentId: created.id, phase: created.phase, actor: creator } });
    const details = {
      projectId: project.id,
      slug,
      harness: applied.harness,
      ownerId: owner,
      ...(applied.snapshot && { templateId: applied.snapshot.id, template: applied.snapshot.slug }),
    };
    await recordAudit(tx, {
      principal: creator,
      action: "agent.create",
      targetType: "agent",
      targetId: created.id,
      details,
      requestId,
    });
    return created;
  });
  const json = toAgentJson(agent);
  await publishAgentEvent(runtime.events, "created", json);
  if (!body.start) return json;
  try {
    return (await startAgent(runtime, agent, creator)).agent;
  } catch (err) {
    // The agent exists either way; a failed start is in its phase and detail.
    runtime.logger.info({ agentId: agent.id, err: (err as Error).message }, "starting a new agent failed");
    const current = await prisma.agent.findUnique({ where: { id: agent.id } });
    return current ? toAgentJson(current) : json;
  }
}

/**
 * Where an agent's sub-agent goes: the parent's project and broker (anything else is refused), owned
 * by the person behind the parent. A parent that is not placed on a broker cannot start sub-agents
 * (they would land wherever the hub chose).
 */
async function subAgentPlacement(
  prisma: PrismaClient,
  parentId: string,
  projectId: string,
  body: CreateAgentBody,
): Promise<{ ownerUserId: string; brokerId: string | null }> {
  const parent = await prisma.agent.findUnique({
    where: { id: parentId },
    select: { projectId: true, brokerId: true, ownerId: true },
  });
  if (!parent) throw new ApiError("unauthorized", "The agent no longer exists.");
  if (projectId !== parent.projectId)
    throw new ApiError("forbidden", "A sub-agent stays in its parent agent's project.");
  if (body.brokerId && body.brokerId !== parent.brokerId)
    throw new ApiError("forbidden", "A sub-agent stays on its parent agent's runtime broker.");
  if (body.start && !parent.brokerId)
    throw new ApiError(
      "conflict",
      "The parent agent is not placed on a runtime broker, so its sub-agents cannot be started.",
    );
  return { ownerUserId: await personBehind(prisma, parent.ownerId), brokerId: parent.brokerId };
}

/** The person behind a sub-agent, as the template rules see them (which templates they may use). */
async function ownerIdentity(prisma: PrismaClient, userId: string): Promise<UserIdentity> {
  const user = await prisma.user.findUnique({
    where: { id: userId },
    select: { id: true, email: true, name: true, role: true, status: true },
  });
  if (!user) throw new ApiError("forbidden", "The agent's owner is gone; it cannot create agents.");
  return user;
}

/** The person who owns an agent: its owner, or for agents created before sub-agents belonged to people, the owner up the chain. */
async function personBehind(prisma: PrismaClient, ownerId: string): Promise<string> {
  let current = ownerId;
  for (let hop = 0; hop < MAX_OWNER_HOPS; hop++) {
    if (current.startsWith("user:")) return current.slice("user:".length);
    if (!current.startsWith("agent:")) break;
    const next = await prisma.agent.findUnique({
      where: { id: current.slice("agent:".length) },
      select: { ownerId: true },
    });
    if (!next) break;
    current = next.ownerId;
  }
  throw new ApiError("forbidden", "This agent has no person behind it, so it cannot create agents.");
}
