import { NextResponse } from "next/server";
import { getAgentOrThrow } from "@/lib/agents/get-agent-or-throw";
import { listAgentHistory } from "@/lib/agents/list-agent-history";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

// GET /api/v1/agents/{id}/history - the agent's last 100 phase/activity changes (owner, admin, the agent, project members).
export const GET = apiRoute("any", async ({ params, runtime, principal }) => {
  const agent = await getAgentOrThrow(runtime.db, principal, params.id, "see");
  return NextResponse.json({ items: await listAgentHistory(runtime.prisma, agent.id) });
});
