import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { listScheduleRuns } from "@/lib/schedules/schedules";

export const dynamic = "force-dynamic";

// GET /api/v1/schedules/{id}/runs - when it ran and how it went, newest first.
export const GET = apiRoute("user", async ({ params, runtime, principal }) =>
  NextResponse.json(await listScheduleRuns(runtime, principal, params.id ?? "")),
);
