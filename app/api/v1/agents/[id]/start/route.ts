import { NextResponse } from "next/server";
import { auditLifecycleRequest } from "@/lib/agents/audit-lifecycle-request";
import { getAgentOrThrow } from "@/lib/agents/get-agent-or-throw";
import { startAgent } from "@/lib/agents/lifecycle";
import { principalId } from "@/lib/auth/principal";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

// POST /api/v1/agents/{id}/start - owner or admin; goes to the agent's runtime broker. Answers {agent}: 200 once
// running, 202 while still on its way.
export const POST = apiRoute("user", async ({ params, runtime, principal, requestId }) => {
  const agent = await getAgentOrThrow(runtime.db, principal, params.id);
  const actor = principalId(principal);
  await auditLifecycleRequest(runtime, actor, agent, "start", requestId);
  const outcome = await startAgent(runtime, agent, actor);
  return NextResponse.json({ agent: outcome.agent }, { status: outcome.status });
});
