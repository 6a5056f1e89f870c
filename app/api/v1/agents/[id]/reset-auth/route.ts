import { NextResponse } from "next/server";
import { getAgentOrThrow } from "@/lib/agents/get-agent-or-throw";
import { resetAgentAuth } from "@/lib/agents/reset-agent-auth";
import { principalId } from "@/lib/auth/principal";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

// POST /api/v1/agents/{id}/reset-auth - owner or admin; goes to the agent's runtime broker. Answers the per-agent
// result (the reset is audited by resetAgentAuth).
export const POST = apiRoute("user", async ({ params, runtime, principal, requestId }) => {
  const agent = await getAgentOrThrow(runtime.db, principal, params.id);
  return NextResponse.json(await resetAgentAuth(runtime, agent, principalId(principal), requestId));
});
