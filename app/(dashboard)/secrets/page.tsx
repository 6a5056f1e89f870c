import { requirePageUser } from "@/app/_lib/require-page-user";
import { SecretsPage } from "@/components/secrets/secrets-page";
import { isProjectManager, projectRoleOf, visibleProjectsWhereFor } from "@/lib/projects/project-access";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";
import { listSecrets } from "@/lib/secrets/list-secrets";

export const dynamic = "force-dynamic";
export const metadata = { title: "Secrets" };

// The viewer's secrets, a chosen project's (?project=<id>) and the hub's: names only, from the database.
export default async function Secrets({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const runtime = getHubRuntime();
  const wanted = (await searchParams).project;
  const viewer = await requirePageUser(
    runtime,
    typeof wanted === "string" ? `/secrets?project=${encodeURIComponent(wanted)}` : "/secrets",
  );
  const user = viewer.user;
  const rows = await runtime.prisma.project.findMany({
    where: visibleProjectsWhereFor(user),
    select: {
      id: true,
      name: true,
      createdById: true,
      members: { where: { userId: user.id }, select: { role: true } },
    },
    orderBy: { name: "asc" },
    take: 500,
  });
  const projects = rows.map((p) => ({
    id: p.id,
    name: p.name,
    writable: isProjectManager(projectRoleOf(user, p, p.members[0]?.role)),
  }));
  const project = projects.find((p) => p.id === wanted) ?? null;
  const [mine, projectSecrets, hubSecrets] = await Promise.all([
    listSecrets(runtime.prisma, user, { scope: "user" }),
    project ? listSecrets(runtime.prisma, user, { scope: "project", projectId: project.id }) : Promise.resolve([]),
    listSecrets(runtime.prisma, user, { scope: "hub" }),
  ]);
  return (
    <SecretsPage
      mine={mine}
      projects={projects}
      project={project}
      projectSecrets={projectSecrets}
      hubSecrets={hubSecrets}
      isAdmin={user.role === "admin"}
    />
  );
}
