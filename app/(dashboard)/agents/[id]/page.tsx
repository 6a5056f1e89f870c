import { requirePageUser } from "@/app/_lib/require-page-user";
import { getPageAgent } from "@/app/_lib/get-page-agent";
import { AgentDetail } from "@/components/agents/agent-detail";
import { listAgentHistory } from "@/lib/agents/list-agent-history";
import { toAgentJson } from "@/lib/agents/to-agent-json";
import { findHarness } from "@/lib/harnesses/registry";
import { listMessages } from "@/lib/messages/list-messages";
import { listMessagesQuery } from "@/lib/messages/schemas";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";
import { peopleNames } from "@/lib/users/people-names";

export const dynamic = "force-dynamic";
export const metadata = { title: "Agent" };

// One agent, rendered from the database; missing and forbidden are the same 404.
export default async function AgentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const runtime = getHubRuntime();
  const viewer = await requirePageUser(runtime, `/agents/${id}`);
  const agent = await getPageAgent(runtime, viewer, id);
  const [project, broker, history, messages] = await Promise.all([
    runtime.prisma.project.findUniqueOrThrow({ where: { id: agent.projectId }, select: { name: true } }),
    agent.brokerId
      ? runtime.prisma.runtimeBroker.findUnique({ where: { id: agent.brokerId }, select: { name: true } })
      : null,
    listAgentHistory(runtime.prisma, agent.id),
    listMessages(runtime.prisma, agent.id, listMessagesQuery.parse({ limit: "50" })),
  ]);
  // Everyone the page names, in one lookup: the owner and the people in its history.
  const people = await peopleNames(runtime.prisma, [agent.ownerId, agent.createdBy, ...history.map((c) => c.actor)]);
  const harness = findHarness(agent.harness);
  return (
    <AgentDetail
      initial={toAgentJson(agent)}
      history={history}
      messages={messages.items}
      projectName={project.name}
      brokerName={broker?.name ?? null}
      people={Object.fromEntries(people)}
      harness={{ name: harness?.name ?? agent.harness, assistant: harness?.kind === "assistant" }}
    />
  );
}
