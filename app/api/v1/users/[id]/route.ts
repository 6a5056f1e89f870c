import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { parseId } from "@/lib/http/ids";
import { readJsonBody } from "@/lib/http/read-json-body";
import { updateUserBody } from "@/lib/users/schemas";
import { updateUser } from "@/lib/users/update-user";

export const dynamic = "force-dynamic";

// PATCH /api/v1/users/{id} - change a user's role or status (admin only, never one's own).
export const PATCH = apiRoute("admin", async ({ req, params, runtime, principal, requestId }) => {
  const userId = parseId(params.id, "user");
  const body = await readJsonBody(req, updateUserBody);
  return NextResponse.json(await updateUser(runtime.prisma, runtime.events, principal.user, userId, body, requestId));
});
