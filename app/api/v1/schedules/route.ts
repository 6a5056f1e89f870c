import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { queryOf } from "@/lib/http/pagination";
import { readJsonBody } from "@/lib/http/read-json-body";
import { createSchedule, listSchedules } from "@/lib/schedules/schedules";
import { createScheduleBody, listSchedulesQuery } from "@/lib/schedules/schemas";

export const dynamic = "force-dynamic";

// GET /api/v1/schedules - the caller's schedules (an admin's: everyone's), soonest first; ?agentId.
export const GET = apiRoute("user", async ({ req, runtime, principal }) =>
  NextResponse.json(await listSchedules(runtime, principal, listSchedulesQuery.parse(queryOf(req)).agentId)),
);

// POST /api/v1/schedules - a one-off (runAt) or recurring (cron + timeZone) message, start or stop.
export const POST = apiRoute("user", async ({ req, runtime, principal }) => {
  const body = await readJsonBody(req, createScheduleBody);
  return NextResponse.json(await createSchedule(runtime, principal, body), { status: 201 });
});
