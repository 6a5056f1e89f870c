import { listPageProjects } from "@/app/_lib/page-projects";
import { requirePageUser } from "@/app/_lib/require-page-user";
import { HarnessConfigsPage } from "@/components/templates/harness-configs-page";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";
export const metadata = { title: "Harness configs" };

// Harness configs: the list from the API; the projects the viewer can see and manage from the database.
export default async function HarnessConfigs() {
  const runtime = getHubRuntime();
  const viewer = await requirePageUser(runtime, "/harness-configs");
  const projects = await listPageProjects(runtime, viewer);
  return (
    <HarnessConfigsPage viewer={{ id: viewer.user.id, isAdmin: viewer.user.role === "admin" }} projects={projects} />
  );
}
