import { NextResponse } from "next/server";
import { agentLogsQuery, followAgentLogs, tailAgentLogs } from "@/lib/agents/agent-logs";
import { getAgentOrThrow } from "@/lib/agents/get-agent-or-throw";
import { apiRoute } from "@/lib/http/api-route";
import { queryOf } from "@/lib/http/pagination";

export const dynamic = "force-dynamic";

// GET /api/v1/agents/{id}/logs?tail=N&follow=true&source=all|shim|harness - the shim's log and the
// harness's output, through its runtime broker: a bounded tail as JSON, or with follow the tail and
// then new lines as Server-Sent Events until the client leaves. Needs "see".
export const GET = apiRoute("user", async ({ req, params, runtime, principal }) => {
  const query = agentLogsQuery.parse(queryOf(req));
  const agent = await getAgentOrThrow(runtime.db, principal, params.id, "see");
  if (query.follow) return followAgentLogs(runtime, principal, agent, query, req.signal);
  return NextResponse.json(await tailAgentLogs(runtime, principal, agent, query));
});
