import { listPageProjects } from "@/app/_lib/page-projects";
import { requirePageUser } from "@/app/_lib/require-page-user";
import { TemplatesPage } from "@/components/templates/templates-page";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";
export const metadata = { title: "Templates" };

// Templates: the list comes from the API (the client keeps it current); the projects the viewer
// can see and manage come from the database, for scope badges and where new ones may go.
export default async function Templates() {
  const runtime = getHubRuntime();
  const viewer = await requirePageUser(runtime, "/templates");
  const projects = await listPageProjects(runtime, viewer);
  return <TemplatesPage viewer={{ id: viewer.user.id, isAdmin: viewer.user.role === "admin" }} projects={projects} />;
}
