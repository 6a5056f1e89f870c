import { notFound } from "next/navigation";
import { AgentDetail } from "@/components/agents/agent-detail";
import { AppShell } from "@/components/shell/app-shell";
import { canAccessAgent } from "@/lib/agents/can-access-agent";
import { listAgentHistory } from "@/lib/agents/list-agent-history";
import { toAgentJson } from "@/lib/agents/to-agent-json";
import { requirePageUser } from "@/lib/auth/require-page-user";
import { listMessages } from "@/lib/messages/list-messages";
import { listMessagesQuery } from "@/lib/messages/schemas";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";
export const metadata = { title: "Agent" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// One agent, rendered from the database; missing and forbidden are the same 404.
export default async function AgentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const runtime = getHubRuntime();
  const viewer = await requirePageUser(runtime, `/agents/${id}`);
  if (!UUID.test(id)) notFound();
  const agent = await runtime.prisma.agent.findUnique({ where: { id: id.toLowerCase() }, include: { project: { select: { name: true } }, broker: { select: { name: true } } } });
  if (!agent || !canAccessAgent(viewer, agent)) notFound();
  const [history, messages] = await Promise.all([listAgentHistory(runtime.prisma, agent.id), listMessages(runtime.prisma, agent.id, listMessagesQuery.parse({ limit: "50" }))]);
  return (
    <AppShell viewer={viewer.user} devMode={runtime.config.authMode === "dev"}>
      <AgentDetail initial={toAgentJson(agent)} history={history} messages={messages.items} projectName={agent.project.name} brokerName={agent.broker?.name ?? null} />
    </AppShell>
  );
}
