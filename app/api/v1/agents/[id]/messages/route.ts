import { NextResponse } from "next/server";
import { getAgentOrThrow } from "@/lib/agents/get-agent-or-throw";
import { requireAgentScope } from "@/lib/auth/agent-token";
import { ApiError } from "@/lib/http/api-error";
import { apiRoute } from "@/lib/http/api-route";
import { queryOf } from "@/lib/http/pagination";
import { readJsonBody } from "@/lib/http/read-json-body";
import { listMessages } from "@/lib/messages/list-messages";
import { postAgentMessage } from "@/lib/messages/post-agent-message";
import { sendMessage } from "@/lib/messages/send-message";
import { agentMessageBody, listMessagesQuery, sendMessageBody } from "@/lib/messages/schemas";

export const dynamic = "force-dynamic";

// GET /api/v1/agents/{id}/messages - the agent's conversation (owner, admin, the agent itself, project members).
export const GET = apiRoute("any", async ({ req, params, runtime, principal }) => {
  requireAgentScope(principal, "agent:messages");
  const agent = await getAgentOrThrow(runtime.db, principal, params.id, "see");
  return NextResponse.json(await listMessages(runtime.prisma, agent.id, listMessagesQuery.parse(queryOf(req))));
});

// POST /api/v1/agents/{id}/messages - a person types a message into the agent's session, through
// its broker (201 typed now, 202 waiting for the agent to run); the agent itself, with its own
// token, sends its owner a message instead (`scion-agent say|ask`, 201).
export const POST = apiRoute("any", async ({ req, params, runtime, principal, requestId }) => {
  if (principal.kind === "agent") {
    requireAgentScope(principal, "agent:messages");
    if (principal.agentId !== params.id)
      throw new ApiError("forbidden", "An agent token sends messages only as its own agent.");
    const body = await readJsonBody(req, agentMessageBody);
    const agent = await getAgentOrThrow(runtime.db, principal, params.id, "see");
    return NextResponse.json(await postAgentMessage(runtime, agent, body), { status: 201 });
  }
  const body = await readJsonBody(req, sendMessageBody);
  const agent = await getAgentOrThrow(runtime.db, principal, params.id);
  const { status, message } = await sendMessage(runtime, principal, agent, body, requestId);
  return NextResponse.json(message, { status });
});
