import { NextResponse } from "next/server";
import { agentScreenQuery, captureAgentScreen } from "@/lib/agents/agent-screen";
import { getAgentOrThrow } from "@/lib/agents/get-agent-or-throw";
import { apiRoute } from "@/lib/http/api-route";
import { queryOf } from "@/lib/http/pagination";

export const dynamic = "force-dynamic";

// GET /api/v1/agents/{id}/screen - the agent's current screen as text, through its runtime broker
// (?ansi=true keeps escape sequences). Needs "see": whoever may see the agent may look at its screen.
export const GET = apiRoute("user", async ({ req, params, runtime, principal }) => {
  const query = agentScreenQuery.parse(queryOf(req));
  const agent = await getAgentOrThrow(runtime.db, principal, params.id, "see");
  return NextResponse.json(await captureAgentScreen(runtime, principal, agent, query.ansi === true));
});
