import { apiRoute } from "@/lib/http/api-route";
import { removeMember } from "@/lib/projects/project-members";

export const dynamic = "force-dynamic";

// DELETE /api/v1/projects/{id}/members/{userId} - remove a member (managers), or leave the project (the member).
export const DELETE = apiRoute("user", async ({ params, runtime, principal, requestId }) => {
  await removeMember(runtime.prisma, runtime.events, principal, params.id ?? "", params.userId, requestId);
  return new Response(null, { status: 204 });
});
