import { recordAudit } from "../audit/record-audit";
import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { parseId } from "../http/ids";

/** Removes a broker and its credentials (admin). A broker that still has agents is a conflict. */
export async function deleteBroker(
  prisma: PrismaClient,
  admin: UserIdentity,
  brokerId: string | undefined,
  requestId?: string,
): Promise<void> {
  const id = parseId(brokerId, "broker");
  await prisma.$transaction(async (tx) => {
    const broker = await tx.runtimeBroker.findUnique({
      where: { id },
      include: { _count: { select: { agents: true } } },
    });
    if (!broker) throw new ApiError("not_found", "No such broker.");
    if (broker._count.agents > 0)
      throw new ApiError(
        "conflict",
        `The broker still has ${broker._count.agents} agent(s); move or delete them first.`,
      );
    await tx.runtimeBroker.delete({ where: { id } });
    await recordAudit(tx, {
      principal: `user:${admin.id}`,
      action: "broker.delete",
      targetType: "broker",
      targetId: id,
      details: { slug: broker.slug },
      requestId,
    });
  });
}
