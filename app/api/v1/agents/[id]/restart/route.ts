import { requestLifecycle } from "@/lib/agents/request-lifecycle";
import { restartAgentBody } from "@/lib/agents/schemas";
import { apiRoute } from "@/lib/http/api-route";
import { readJsonBody } from "@/lib/http/read-json-body";

export const dynamic = "force-dynamic";

// POST /api/v1/agents/{id}/restart - owner or admin; goes to the agent's runtime broker. Body (optional): {fresh?: true}
// starts a new conversation instead of resuming the harness's previous one.
export const POST = apiRoute("user", async ({ req, params, runtime, principal, requestId }) => {
  const body = await readJsonBody(req, restartAgentBody);
  return requestLifecycle(runtime, principal, params.id, "restart", requestId, { fresh: body?.fresh === true });
});
