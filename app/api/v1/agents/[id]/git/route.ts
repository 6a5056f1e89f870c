import { NextResponse } from "next/server";
import { agentGitStatus } from "@/lib/agents/agent-git-status";
import { getAgentOrThrow } from "@/lib/agents/get-agent-or-throw";
import { principalId } from "@/lib/auth/principal";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

// GET /api/v1/agents/{id}/git - the short git status of the agent's workspace, from its broker (anyone who sees the agent).
export const GET = apiRoute("any", async ({ params, runtime, principal }) => {
  const agent = await getAgentOrThrow(runtime.db, principal, params.id, "see");
  return NextResponse.json(await agentGitStatus(runtime, agent, principalId(principal)));
});
