import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { queryOf } from "@/lib/http/pagination";
import { listMaintenanceRuns, listRunsQuery } from "@/lib/maintenance/list-runs";

export const dynamic = "force-dynamic";

// GET /api/v1/admin/maintenance/runs - run history, newest first (?operation=key).
export const GET = apiRoute("admin", async ({ req, runtime }) =>
  NextResponse.json(await listMaintenanceRuns(runtime.prisma, listRunsQuery.parse(queryOf(req)))),
);
