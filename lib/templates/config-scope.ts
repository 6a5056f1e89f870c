import type { Principal, UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import type { Prisma } from "../db/generated/client";
import type { ConfigScope } from "../db/generated/enums";
import { ApiError } from "../http/api-error";
import { canManageProject, canSeeProject, visibleProjectsWhereFor } from "../projects/project-access";

/**
 * Scopes of templates and harness configs: `hub` (everyone sees them, admins change them),
 * `project` (whoever sees the project sees them, its managers change them) and `user` (only the
 * owner, who changes them). Built-in ones are read-only for everybody.
 */
export const CONFIG_SCOPES = ["hub", "project", "user"] as const;

export interface ScopeOwner {
  scope: ConfigScope;
  projectId: string | null;
  userId: string | null;
}

const asPrincipal = (user: UserIdentity): Principal => ({ kind: "user", user, via: "token" });

export type ScopedWhere = Prisma.TemplateWhereInput & Prisma.HarnessConfigWhereInput;

/** The rows a person sees: the hub's, those of projects they see (the projects' own rule), their own. */
export function visibleScopeWhere(user: UserIdentity): ScopedWhere {
  return {
    OR: [
      { scope: "hub" },
      { scope: "user", userId: user.id },
      { scope: "project", project: visibleProjectsWhereFor(user) },
    ],
  };
}

export async function canSeeScoped(prisma: PrismaClient, user: UserIdentity, row: ScopeOwner): Promise<boolean> {
  if (row.scope === "hub") return true;
  if (row.scope === "user") return row.userId === user.id;
  return row.projectId !== null && canSeeProject(prisma, asPrincipal(user), row.projectId);
}

/**
 * Who may create, change or delete in a scope: admins the hub's, a project's managers its own,
 * a person their own. 404 for a project they cannot see, 403 otherwise.
 */
export async function requireScopeWriter(
  prisma: PrismaClient,
  user: UserIdentity,
  target: ScopeOwner,
  noun: string,
): Promise<void> {
  if (target.scope === "hub") {
    if (user.role !== "admin") throw new ApiError("forbidden", `Only administrators may change hub ${noun}s.`);
    return;
  }
  if (target.scope === "user") {
    if (target.userId !== user.id) throw new ApiError("forbidden", `Only its owner may change a personal ${noun}.`);
    return;
  }
  if (!target.projectId || !(await canSeeProject(prisma, asPrincipal(user), target.projectId)))
    throw new ApiError("not_found", "No such project.");
  if (!(await canManageProject(prisma, asPrincipal(user), target.projectId)))
    throw new ApiError("forbidden", `Only the project's managers or an administrator may change its ${noun}s.`);
}

/** "the hub scope", "project web-app", "your personal scope", for messages. */
export async function describeScope(prisma: PrismaClient, owner: ScopeOwner): Promise<string> {
  if (owner.scope === "hub") return "the hub scope";
  if (owner.scope === "user") return "your personal scope";
  const project = owner.projectId
    ? await prisma.project.findUnique({ where: { id: owner.projectId }, select: { slug: true } })
    : null;
  return `project ${project?.slug ?? owner.projectId}`;
}

/** The slug clash of a create, rename or clone: 409 naming the slug and the scope. */
export async function slugClash(
  prisma: PrismaClient,
  noun: string,
  slug: string,
  owner: ScopeOwner,
): Promise<ApiError> {
  const where = await describeScope(prisma, owner);
  return new ApiError("conflict", `A ${noun} called ${slug} already exists in ${where}.`, {
    slug,
    scope: owner.scope,
    projectId: owner.projectId,
  });
}

/** The database refused a duplicate (the unique index over scope, owner and slug). */
export function isUniqueViolation(err: unknown): boolean {
  return databaseCode(err) === "P2002" || databaseCode(err) === "23505";
}

/** The database refused a delete that a row still points at (NO ACTION foreign keys). */
export function isForeignKeyViolation(err: unknown): boolean {
  return ["P2003", "P2014", "23503"].includes(databaseCode(err) ?? "");
}

function databaseCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown; originalCode?: unknown }; meta?: { code?: unknown } };
  for (const code of [e?.code, e?.cause?.originalCode, e?.cause?.code, e?.meta?.code])
    if (typeof code === "string") {
      if (code === "P2002" || code === "P2003" || code === "P2014" || code === "23505" || code === "23503") return code;
    }
  return undefined;
}
