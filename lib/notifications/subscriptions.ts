import type { UserIdentity } from "../auth/principal";
import type { Prisma } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";
import { canSeeProject } from "../projects/project-access";
import { getAgentOrThrow } from "../agents/get-agent-or-throw";
import { DEFAULT_SUBSCRIPTIONS, type Subscription } from "./schemas";

type SubscriptionsJson = {
  items: Array<{ scope: string; targetId: string | null; events: string[] }>;
  saved: boolean;
};

const savedFlag = (preferences: unknown) =>
  typeof preferences === "object" &&
  preferences !== null &&
  (preferences as Record<string, unknown>).subscriptionsSaved === true;

/** GET /subscriptions: the person's own, or the hub's default while they never saved any. */
export async function getSubscriptions(runtime: HubRuntime, user: UserIdentity): Promise<SubscriptionsJson> {
  const [row, subs] = await Promise.all([
    runtime.prisma.user.findUniqueOrThrow({ where: { id: user.id }, select: { preferences: true } }),
    runtime.prisma.notificationSubscription.findMany({ where: { userId: user.id }, orderBy: { createdAt: "asc" } }),
  ]);
  if (!savedFlag(row.preferences)) return { items: DEFAULT_SUBSCRIPTIONS, saved: false };
  return { items: subs.map((s) => ({ scope: s.scope, targetId: s.targetId, events: s.events })), saved: true };
}

/**
 * PUT /subscriptions: replaces the person's set in one transaction (an empty list means: tell
 * me nothing). Each agent or project named must be one they see (404 otherwise).
 */
export async function putSubscriptions(
  runtime: HubRuntime,
  user: UserIdentity,
  items: Subscription[],
): Promise<SubscriptionsJson> {
  const principal = { kind: "user" as const, user, via: "token" as const, tokenId: "" };
  for (const s of items) {
    if (s.scope === "agent") await getAgentOrThrow(runtime.db, principal, s.targetId!, "see");
    if (s.scope === "project" && !(await canSeeProject(runtime.prisma, principal, s.targetId!)))
      throw new ApiError("not_found", "No such project.");
  }
  await runtime.prisma.$transaction(async (tx) => {
    const row = await tx.user.findUniqueOrThrow({ where: { id: user.id }, select: { preferences: true } });
    const preferences = { ...((row.preferences ?? {}) as Prisma.JsonObject), subscriptionsSaved: true };
    await tx.user.update({ where: { id: user.id }, data: { preferences } });
    await tx.notificationSubscription.deleteMany({ where: { userId: user.id } });
    if (items.length)
      await tx.notificationSubscription.createMany({
        data: items.map((s) => ({ userId: user.id, scope: s.scope, targetId: s.targetId ?? null, events: s.events })),
      });
  });
  return getSubscriptions(runtime, user);
}
