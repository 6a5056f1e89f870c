import { NextResponse } from "next/server";
import { bulkAgents, bulkAgentsBody } from "@/lib/agents/bulk-agents";
import { apiRoute } from "@/lib/http/api-route";
import { readJsonBody } from "@/lib/http/read-json-body";

export const dynamic = "force-dynamic";

// POST /api/v1/agents/bulk - {action: stop|restart|delete|message, ids | filter, body?, bulkId?}: the action on
// every listed or matching agent the caller may act on ("act": owner or admin; others reported, not acted on),
// a few at a time; answers {total, succeeded, failed, results: [{agentId, name, ok, code?, error?}]}.
export const POST = apiRoute("user", async ({ req, runtime, principal, requestId }) =>
  NextResponse.json(await bulkAgents(runtime, principal, await readJsonBody(req, bulkAgentsBody), requestId)),
);
