import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import type { HarnessConfig } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import { canSeeScoped } from "../templates/config-scope";

/** A harness config the person sees; anything else is "not found". */
export async function getVisibleHarnessConfig(
  prisma: PrismaClient,
  user: UserIdentity,
  id: string,
): Promise<HarnessConfig> {
  const config = await prisma.harnessConfig.findUnique({ where: { id } });
  if (!config || !(await canSeeScoped(prisma, user, config)))
    throw new ApiError("not_found", "No such harness config.");
  return config;
}
