import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { listConfigWhere, MAX_LISTED } from "../templates/list-templates";
import type { ListConfigQuery } from "../templates/schemas";
import type { HarnessConfigJson } from "./schemas";
import { toHarnessConfigJson } from "./to-harness-config-json";

/** The harness configs a person sees, by name; filters as for templates (scope, projectId, search). */
export async function listHarnessConfigs(
  prisma: PrismaClient,
  user: UserIdentity,
  query: ListConfigQuery,
): Promise<HarnessConfigJson[]> {
  const rows = await prisma.harnessConfig.findMany({
    where: await listConfigWhere(prisma, user, query),
    orderBy: [{ name: "asc" }, { id: "asc" }],
    take: MAX_LISTED,
  });
  return rows.map(toHarnessConfigJson);
}
