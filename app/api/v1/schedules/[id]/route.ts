import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { readJsonBody } from "@/lib/http/read-json-body";
import { deleteSchedule, updateSchedule } from "@/lib/schedules/schedules";
import { updateScheduleBody } from "@/lib/schedules/schemas";

export const dynamic = "force-dynamic";

// PATCH /api/v1/schedules/{id} - rename, change what or when, pause or resume.
export const PATCH = apiRoute("user", async ({ req, params, runtime, principal }) => {
  const body = await readJsonBody(req, updateScheduleBody);
  return NextResponse.json(await updateSchedule(runtime, principal, params.id ?? "", body));
});

// DELETE /api/v1/schedules/{id}
export const DELETE = apiRoute("user", async ({ params, runtime, principal }) => {
  await deleteSchedule(runtime, principal, params.id ?? "");
  return new Response(null, { status: 204 });
});
