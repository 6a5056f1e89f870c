import { NextResponse } from "next/server";
import { deleteAgent } from "@/lib/agents/delete-agent";
import { getAgentOrThrow } from "@/lib/agents/get-agent-or-throw";
import { deleteAgentQuery, updateAgentBody } from "@/lib/agents/schemas";
import { toAgentJson } from "@/lib/agents/to-agent-json";
import { updateAgent } from "@/lib/agents/update-agent";
import { apiRoute } from "@/lib/http/api-route";
import { queryOf } from "@/lib/http/pagination";
import { readJsonBody } from "@/lib/http/read-json-body";

export const dynamic = "force-dynamic";

// GET /api/v1/agents/{id} - one agent (owner, admin, the agent itself, or its project's members read-only).
export const GET = apiRoute("any", async ({ params, runtime, principal }) =>
  NextResponse.json(toAgentJson(await getAgentOrThrow(runtime.db, principal, params.id, "see"))),
);

// PATCH /api/v1/agents/{id} - rename or re-task an agent (owner or admin).
export const PATCH = apiRoute("user", async ({ req, params, runtime, principal, requestId }) => {
  const agent = await getAgentOrThrow(runtime.db, principal, params.id);
  return NextResponse.json(
    await updateAgent(runtime, principal, agent, await readJsonBody(req, updateAgentBody), requestId),
  );
});

// DELETE /api/v1/agents/{id}[?keepBranch=true] - delete an agent (owner or admin); keepBranch keeps its git branch.
export const DELETE = apiRoute("user", async ({ req, params, runtime, principal, requestId }) => {
  const { keepBranch } = deleteAgentQuery.parse(queryOf(req));
  const agent = await getAgentOrThrow(runtime.db, principal, params.id);
  await deleteAgent(runtime, principal, agent, requestId, { keepBranch: keepBranch === "true" });
  return new Response(null, { status: 204 });
});
