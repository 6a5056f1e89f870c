import { requirePageUser } from "@/app/_lib/require-page-user";
import { SchedulesPage } from "@/components/schedules/schedules-page";
import { canActOnAgent, visibleAgentsWhere } from "@/lib/agents/can-access-agent";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";
import { listSchedules } from "@/lib/schedules/schedules";

export const dynamic = "force-dynamic";
export const metadata = { title: "Schedules" };

// The viewer's schedules and the agents they may schedule (those they may act on), from the database.
export default async function Schedules() {
  const runtime = getHubRuntime();
  const viewer = await requirePageUser(runtime, "/schedules");
  const [{ items }, agents] = await Promise.all([
    listSchedules(runtime, viewer),
    runtime.prisma.agent.findMany({
      where: visibleAgentsWhere(viewer),
      select: { id: true, name: true, ownerId: true },
      orderBy: { name: "asc" },
      take: 500,
    }),
  ]);
  return (
    <SchedulesPage
      initial={items}
      agents={agents.filter((a) => canActOnAgent(viewer, a)).map((a) => ({ id: a.id, name: a.name }))}
    />
  );
}
