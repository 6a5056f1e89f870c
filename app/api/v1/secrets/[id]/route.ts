import { apiRoute } from "@/lib/http/api-route";
import { parseId } from "@/lib/http/ids";
import { deleteSecret } from "@/lib/secrets/delete-secret";

export const dynamic = "force-dynamic";

// DELETE /api/v1/secrets/{id} - delete a secret (the same people who may write it).
export const DELETE = apiRoute("user", async ({ params, runtime, principal, requestId }) => {
  await deleteSecret(runtime.prisma, principal.user, parseId(params.id, "secret"), requestId);
  return new Response(null, { status: 204 });
});
