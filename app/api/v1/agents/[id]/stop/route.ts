import { requestLifecycle } from "@/lib/agents/request-lifecycle";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

// POST /api/v1/agents/{id}/stop - owner or admin; goes to the agent's runtime broker.
export const POST = apiRoute("user", async ({ params, runtime, principal, requestId }) =>
  requestLifecycle(runtime, principal, params.id, "stop", requestId),
);
