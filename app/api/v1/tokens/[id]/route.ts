import { apiRoute } from "@/lib/http/api-route";
import { parseId } from "@/lib/http/ids";
import { revokeApiToken } from "@/lib/tokens/revoke-api-token";

export const dynamic = "force-dynamic";

// DELETE /api/v1/tokens/{id} - revoke one of the caller's tokens.
export const DELETE = apiRoute("user", async ({ params, runtime, principal, requestId }) => {
  await revokeApiToken(runtime.prisma, principal.user.id, parseId(params.id, "token"), requestId);
  return new Response(null, { status: 204 });
});
