import { NextResponse } from "next/server";
import { createAgent } from "@/lib/agents/create-agent";
import { listAgentsBody } from "@/lib/agents/list-agents";
import { createAgentBody, listAgentsQuery } from "@/lib/agents/schemas";
import { apiRoute, jsonText } from "@/lib/http/api-route";
import { queryOf } from "@/lib/http/pagination";
import { callerKey, enforceRateLimit } from "@/lib/http/rate-limit";
import { readJsonBody } from "@/lib/http/read-json-body";

export const dynamic = "force-dynamic";

// GET /api/v1/agents - the agents the caller may see, paged, filtered and sorted.
export const GET = apiRoute("any", async ({ req, runtime, principal }) =>
  jsonText(await listAgentsBody(runtime.db.pool, principal, listAgentsQuery.parse(queryOf(req)))),
);

// POST /api/v1/agents - create an agent (a person, or an agent creating a sub-agent).
export const POST = apiRoute("any", async ({ req, runtime, principal, requestId }) => {
  const body = await readJsonBody(req, createAgentBody);
  enforceRateLimit(runtime.rateLimiter, "agentCreate", callerKey(principal));
  return NextResponse.json(await createAgent(runtime, principal, body, requestId), { status: 201 });
});
