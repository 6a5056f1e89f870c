import { NextResponse } from "next/server";
import { getAgentOrThrow } from "@/lib/agents/get-agent-or-throw";
import { requireAgentScope } from "@/lib/auth/agent-token";
import { apiRoute } from "@/lib/http/api-route";
import { queryOf } from "@/lib/http/pagination";
import { readJsonBody } from "@/lib/http/read-json-body";
import { listMessages } from "@/lib/messages/list-messages";
import { sendMessage } from "@/lib/messages/send-message";
import { listMessagesQuery, sendMessageBody } from "@/lib/messages/schemas";

export const dynamic = "force-dynamic";

// GET /api/v1/agents/{id}/messages - the agent's conversation (owner, admin, the agent itself, project members).
export const GET = apiRoute("any", async ({ req, params, runtime, principal }) => {
  requireAgentScope(principal, "agent:messages");
  const agent = await getAgentOrThrow(runtime.prisma, principal, params.id, "see");
  return NextResponse.json(await listMessages(runtime.prisma, agent.id, listMessagesQuery.parse(queryOf(req))));
});

// POST /api/v1/agents/{id}/messages - type a message into the agent's session, through its broker:
// 201 when typed now, 202 when it waits for the agent to run.
export const POST = apiRoute("user", async ({ req, params, runtime, principal, requestId }) => {
  const body = await readJsonBody(req, sendMessageBody);
  const agent = await getAgentOrThrow(runtime.prisma, principal, params.id);
  const { status, message } = await sendMessage(runtime, principal, agent, body, requestId);
  return NextResponse.json(message, { status });
});
