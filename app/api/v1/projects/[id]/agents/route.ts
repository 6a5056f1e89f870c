import { NextResponse } from "next/server";
import { createAgent } from "@/lib/agents/create-agent";
import { listAgentsBody } from "@/lib/agents/list-agents";
import { createProjectAgentBody, listAgentsQuery } from "@/lib/agents/schemas";
import { apiRoute, jsonText } from "@/lib/http/api-route";
import { queryOf } from "@/lib/http/pagination";
import { callerKey, enforceRateLimit } from "@/lib/http/rate-limit";
import { readJsonBody } from "@/lib/http/read-json-body";
import { getVisibleProjectOrThrow } from "@/lib/projects/project-access";

export const dynamic = "force-dynamic";

// GET /api/v1/projects/{p}/agents - the caller's visible agents of one project.
export const GET = apiRoute("any", async ({ req, params, runtime, principal }) => {
  const { project } = await getVisibleProjectOrThrow(runtime.prisma, principal, params.id ?? "");
  const query = listAgentsQuery.parse({ ...queryOf(req), projectId: project.id });
  return jsonText(await listAgentsBody(runtime.db.pool, principal, query));
});

// POST /api/v1/projects/{p}/agents - create an agent in this project (one the caller sees).
export const POST = apiRoute("any", async ({ req, params, runtime, principal, requestId }) => {
  const { project } = await getVisibleProjectOrThrow(runtime.prisma, principal, params.id ?? "");
  const body = await readJsonBody(req, createProjectAgentBody);
  enforceRateLimit(runtime.rateLimiter, "agentCreate", callerKey(principal));
  return NextResponse.json(await createAgent(runtime, principal, { ...body, projectId: project.id }, requestId), {
    status: 201,
  });
});
