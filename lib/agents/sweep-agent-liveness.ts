import type { AgentActivity } from "../db/generated/client";
import type { HubRuntime } from "../runtime/hub-runtime";
import { changeAgent } from "./change-agent";

export const OFFLINE_AFTER_MS = 2 * 60_000;
export const STALLED_AFTER_MS = 5 * 60_000;
const WORKING: AgentActivity[] = ["thinking", "executing"];

/**
 * The hub's view of agents that went quiet. A running agent whose shim has not reported for 2
 * minutes is `offline`; one that has been `thinking` or `executing` for 5 minutes without an
 * activity report is `stalled` (an idle agent waiting for its user is not stalled). The activity
 * it had is kept in previousActivity; the shim's next report (offline) or activity (stalled)
 * ends the mark. Each mark is a guarded change, so an agent that reported meanwhile is left alone.
 */
export async function sweepAgentLiveness(
  runtime: HubRuntime,
  now = new Date(),
): Promise<{ offline: number; stalled: number }> {
  const { prisma, events } = runtime;
  const silentSince = new Date(now.getTime() - OFFLINE_AFTER_MS);
  const idleSince = new Date(now.getTime() - STALLED_AFTER_MS);
  const quiet = await prisma.agent.findMany({
    where: {
      phase: "running",
      NOT: { activity: "offline" },
      OR: [{ lastSeen: { lt: silentSince } }, { lastSeen: null, startedAt: { lt: silentSince } }],
    },
    select: { id: true },
    take: 1000,
  });
  let offline = 0;
  for (const { id } of quiet) {
    const { changed } = await changeAgent(prisma, events, id, "system", (a) =>
      a.phase === "running" && a.activity !== "offline" && (a.lastSeen ?? a.startedAt ?? now) < silentSince
        ? { activity: "offline", previousActivity: a.activity === "stalled" ? a.previousActivity : a.activity }
        : null,
    ).catch(() => ({ changed: false }));
    if (changed) offline++;
  }
  const stuck = await prisma.agent.findMany({
    where: { phase: "running", activity: { in: WORKING }, lastActivityAt: { lt: idleSince } },
    select: { id: true },
    take: 1000,
  });
  let stalled = 0;
  for (const { id } of stuck) {
    const { changed } = await changeAgent(prisma, events, id, "system", (a) =>
      a.phase === "running" &&
      a.activity &&
      WORKING.includes(a.activity) &&
      a.lastActivityAt &&
      a.lastActivityAt < idleSince
        ? { activity: "stalled", previousActivity: a.activity }
        : null,
    ).catch(() => ({ changed: false }));
    if (changed) stalled++;
  }
  if (offline || stalled) runtime.logger.info({ offline, stalled }, "marked quiet agents");
  return { offline, stalled };
}
