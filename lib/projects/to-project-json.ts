import type { Principal } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import type { Project } from "../db/generated/client";
import { projectRoleOf, type ProjectRole } from "./project-access";
import type { ProjectJson } from "./schemas";

export type ProjectCounts = ProjectJson["counts"];

const NO_AGENTS: ProjectCounts = { running: 0, waitingForInput: 0, total: 0 };

export function toProjectJson(
  p: Project,
  extra: { counts?: ProjectCounts; role: ProjectRole } = { role: null },
): ProjectJson {
  return {
    id: p.id,
    slug: p.slug,
    name: p.name,
    gitRemote: p.gitRemote,
    defaultBranch: p.defaultBranch,
    defaultBrokerId: p.defaultBrokerId,
    defaultTemplateId: p.defaultTemplateId,
    env: (p.env ?? {}) as Record<string, string>,
    gitTokenSecret: p.gitTokenSecret,
    visibility: p.visibility,
    createdBy: p.createdById ? `user:${p.createdById}` : null,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
    counts: extra.counts ?? NO_AGENTS,
    role: extra.role,
  };
}

/**
 * Projects as the API answers them to a caller: with their agent counts (one grouped query over
 * all of them) and the caller's role (one query for their memberships among them).
 */
export async function describeProjects(
  prisma: PrismaClient,
  principal: Principal,
  projects: Project[],
): Promise<ProjectJson[]> {
  if (projects.length === 0) return [];
  const ids = projects.map((p) => p.id);
  const [groups, memberships] = await Promise.all([
    prisma.agent.groupBy({
      by: ["projectId", "phase", "activity"],
      where: { projectId: { in: ids } },
      _count: { _all: true },
    }),
    principal.kind === "user" && principal.user.role !== "admin"
      ? prisma.projectMember.findMany({
          where: { userId: principal.user.id, projectId: { in: ids } },
          select: { projectId: true, role: true },
        })
      : Promise.resolve([]),
  ]);
  const counts = new Map<string, ProjectCounts>();
  for (const g of groups) {
    const c = counts.get(g.projectId) ?? { ...NO_AGENTS };
    const n = g._count._all;
    c.total += n;
    if (g.phase === "running") {
      c.running += n;
      if (g.activity === "waiting_for_input") c.waitingForInput += n;
    }
    counts.set(g.projectId, c);
  }
  const roles = new Map(memberships.map((m) => [m.projectId, m.role]));
  return projects.map((p) =>
    toProjectJson(p, {
      counts: counts.get(p.id) ?? NO_AGENTS,
      role: principal.kind === "user" ? projectRoleOf(principal.user, p, roles.get(p.id)) : null,
    }),
  );
}

/** One project as the API answers it to a caller. */
export async function describeProject(prisma: PrismaClient, principal: Principal, project: Project) {
  return (await describeProjects(prisma, principal, [project]))[0]!;
}
