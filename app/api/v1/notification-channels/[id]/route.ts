import { apiRoute } from "@/lib/http/api-route";
import { deleteChannel } from "@/lib/notifications/channels";

export const dynamic = "force-dynamic";

// DELETE /api/v1/notification-channels/{id} - remove one of the caller's channels.
export const DELETE = apiRoute("user", async ({ params, runtime, principal }) => {
  await deleteChannel(runtime, principal.user, params.id ?? "");
  return new Response(null, { status: 204 });
});
