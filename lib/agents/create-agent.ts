import { recordAudit } from "../audit/record-audit";
import { principalId, type Principal } from "../auth/principal";
import type { HubRuntime } from "../runtime/hub-runtime";
import { ApiError } from "../http/api-error";
import { slugify } from "../naming/slugify";
import { publishAgentEvent } from "./publish-agent-event";
import { chooseBroker } from "../dispatch/choose-broker";
import { requireReachable } from "../dispatch/route-to-broker";
import { startAgent } from "./lifecycle";
import type { AgentJson, CreateAgentBody } from "./schemas";
import { toAgentJson } from "./to-agent-json";
import { sealAgentEnv } from "./agent-env";

/**
 * Records a new agent in phase `created`, owned by its creator (for an agent creating a
 * sub-agent, ownership stays with that agent). With `start: true` a broker must be able to take
 * it (checked before anything is written: 422 no_runtime_broker, 503 broker_unavailable), and
 * the agent is started at once; the answer is the agent as it stands once it runs, or still
 * starting after the rolling wait.
 */
export async function createAgent(runtime: HubRuntime, principal: Principal, body: CreateAgentBody, requestId?: string): Promise<AgentJson> {
  const { prisma } = runtime;
  const project = await prisma.project.findUnique({ where: { id: body.projectId } });
  if (!project) throw new ApiError("not_found", "No such project.");
  if (body.brokerId && !(await prisma.runtimeBroker.findUnique({ where: { id: body.brokerId }, select: { id: true } }))) {
    throw new ApiError("no_runtime_broker", "The named runtime broker does not exist.");
  }
  if (body.start) await requireReachable(runtime, await chooseBroker(runtime, { brokerId: body.brokerId, projectDefaultBrokerId: project.defaultBrokerId }));
  const slug = slugify(body.name, "agent");
  const owner = principalId(principal);
  const agent = await prisma.$transaction(async (tx) => {
    if (await tx.agent.findUnique({ where: { projectId_slug: { projectId: project.id, slug } }, select: { id: true } })) {
      throw new ApiError("conflict", `The project already has an agent called "${slug}".`);
    }
    const created = await tx.agent.create({
      data: {
        slug,
        name: body.name,
        projectId: project.id,
        brokerId: body.brokerId ?? null,
        harness: body.harness,
        command: body.command ?? null,
        task: body.task ?? null,
        envSealed: sealAgentEnv(runtime.sessionSecret, body.env),
        createdBy: owner,
        ownerId: owner,
      },
    });
    await tx.agentStateChange.create({ data: { agentId: created.id, phase: created.phase, actor: owner } });
    await recordAudit(tx, { principal: owner, action: "agent.create", targetType: "agent", targetId: created.id, details: { projectId: project.id, slug, harness: body.harness }, requestId });
    return created;
  });
  const json = toAgentJson(agent);
  await publishAgentEvent(runtime.events, "created", json);
  if (!body.start) return json;
  try {
    return (await startAgent(runtime, agent, owner)).agent;
  } catch (err) {
    // The agent exists either way; a failed start is in its phase and detail.
    runtime.logger.info({ agentId: agent.id, err: (err as Error).message }, "starting a new agent failed");
    const current = await prisma.agent.findUnique({ where: { id: agent.id } });
    return current ? toAgentJson(current) : json;
  }
}
