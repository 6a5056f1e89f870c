import { NextResponse } from "next/server";
import { auditLifecycleRequest } from "@/lib/agents/audit-lifecycle-request";
import { getAgentOrThrow } from "@/lib/agents/get-agent-or-throw";
import { restartAgent } from "@/lib/agents/lifecycle";
import { restartAgentBody } from "@/lib/agents/schemas";
import { principalId } from "@/lib/auth/principal";
import { apiRoute } from "@/lib/http/api-route";
import { readJsonBody } from "@/lib/http/read-json-body";

export const dynamic = "force-dynamic";

// POST /api/v1/agents/{id}/restart - owner or admin; goes to the agent's runtime broker. Body (optional): {fresh?: true}
// starts a new conversation instead of resuming the harness's previous one. Answers {agent}: 200 once running again,
// 202 while still on its way.
export const POST = apiRoute("user", async ({ req, params, runtime, principal, requestId }) => {
  const body = await readJsonBody(req, restartAgentBody);
  const options = { fresh: body?.fresh === true };
  const agent = await getAgentOrThrow(runtime.db, principal, params.id);
  const actor = principalId(principal);
  await auditLifecycleRequest(runtime, actor, agent, "restart", requestId, options);
  const outcome = await restartAgent(runtime, agent, actor, undefined, options);
  return NextResponse.json({ agent: outcome.agent }, { status: outcome.status });
});
