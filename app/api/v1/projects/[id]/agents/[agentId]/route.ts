import { NextResponse } from "next/server";
import { deleteAgent } from "@/lib/agents/delete-agent";
import { getProjectAgentOrThrow } from "@/lib/agents/get-agent-or-throw";
import { updateAgentBody } from "@/lib/agents/schemas";
import { toAgentJson } from "@/lib/agents/to-agent-json";
import { updateAgent } from "@/lib/agents/update-agent";
import { apiRoute } from "@/lib/http/api-route";
import { readJsonBody } from "@/lib/http/read-json-body";
import { getVisibleProjectOrThrow } from "@/lib/projects/project-access";

export const dynamic = "force-dynamic";

// GET /api/v1/projects/{p}/agents/{slugOrId} - one agent of a project (project members read-only).
export const GET = apiRoute("any", async ({ params, runtime, principal }) => {
  const { project } = await getVisibleProjectOrThrow(runtime.prisma, principal, params.id ?? "");
  return NextResponse.json(
    toAgentJson(await getProjectAgentOrThrow(runtime.db, principal, project.id, params.agentId, "see")),
  );
});

// PATCH /api/v1/projects/{p}/agents/{slugOrId} - rename or re-task (owner or admin).
export const PATCH = apiRoute("user", async ({ req, params, runtime, principal, requestId }) => {
  const { project } = await getVisibleProjectOrThrow(runtime.prisma, principal, params.id ?? "");
  const agent = await getProjectAgentOrThrow(runtime.db, principal, project.id, params.agentId);
  return NextResponse.json(
    await updateAgent(runtime, principal, agent, await readJsonBody(req, updateAgentBody), requestId),
  );
});

// DELETE /api/v1/projects/{p}/agents/{slugOrId} - delete (owner or admin).
export const DELETE = apiRoute("user", async ({ params, runtime, principal, requestId }) => {
  const { project } = await getVisibleProjectOrThrow(runtime.prisma, principal, params.id ?? "");
  await deleteAgent(
    runtime,
    principal,
    await getProjectAgentOrThrow(runtime.db, principal, project.id, params.agentId),
    requestId,
  );
  return new Response(null, { status: 204 });
});
