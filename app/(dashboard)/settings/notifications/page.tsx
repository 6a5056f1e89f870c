import { requirePageUser } from "@/app/_lib/require-page-user";
import { NotificationSettings } from "@/components/notifications/notification-settings";
import { visibleAgentsWhere } from "@/lib/agents/can-access-agent";
import { listChannels } from "@/lib/notifications/channels";
import { getSubscriptions } from "@/lib/notifications/subscriptions";
import { visibleProjectsWhereFor } from "@/lib/projects/project-access";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";
export const metadata = { title: "Notifications" };

// The viewer's channels and subscriptions, and the projects and agents they may subscribe to.
export default async function Notifications() {
  const runtime = getHubRuntime();
  const viewer = await requirePageUser(runtime, "/settings/notifications");
  const [channels, subscriptions, projects, agents] = await Promise.all([
    listChannels(runtime, viewer.user),
    getSubscriptions(runtime, viewer.user),
    runtime.prisma.project.findMany({
      where: visibleProjectsWhereFor(viewer.user),
      select: { id: true, name: true },
      orderBy: { name: "asc" },
      take: 500,
    }),
    runtime.prisma.agent.findMany({
      where: visibleAgentsWhere(viewer),
      select: { id: true, name: true },
      orderBy: { name: "asc" },
      take: 500,
    }),
  ]);
  return (
    <NotificationSettings
      initialChannels={channels.items}
      initialSubscriptions={subscriptions}
      projects={projects}
      agents={agents}
      smtpConfigured={Boolean(runtime.config.notifications.smtpUrl)}
    />
  );
}
