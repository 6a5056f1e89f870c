import type { z } from "zod";
import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import type { Prisma } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import { visibleProjectsWhereFor } from "../projects/project-access";
import type { listSecretsQuery, SecretJson } from "./schemas";
import { toSecretJson } from "./to-secret-json";

/** The most secrets one scope lists: far above what a person, project or hub configures. */
const MAX_LISTED = 500;

/**
 * Secret metadata of one scope, by name: a person's own user secrets; a project's (whoever sees the
 * project, so its members can see which credentials it provides); the
 * hub's (their names are no secret: people need to know what their agents will get). Values never.
 */
export async function listSecrets(
  prisma: PrismaClient,
  user: UserIdentity,
  query: z.output<typeof listSecretsQuery>,
): Promise<SecretJson[]> {
  let where: Prisma.SecretWhereInput;
  if (query.scope === "user") where = { scope: "user", userId: user.id };
  else if (query.scope === "hub") where = { scope: "hub" };
  else {
    const visible = { AND: [{ id: query.projectId! }, visibleProjectsWhereFor(user)] };
    if (!(await prisma.project.findFirst({ where: visible, select: { id: true } })))
      throw new ApiError("not_found", "No such project.");
    where = { scope: "project", projectId: query.projectId! };
  }
  const rows = await prisma.secret.findMany({
    where,
    orderBy: [{ name: "asc" }, { id: "asc" }],
    take: MAX_LISTED,
    omit: { valueSealed: true },
  });
  return rows.map(toSecretJson);
}
