import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { abortMaintenanceRun } from "@/lib/maintenance/run-maintenance";

export const dynamic = "force-dynamic";

// POST /api/v1/admin/maintenance/runs/{id}/abort - ask a running run to stop (202).
export const POST = apiRoute("admin", async ({ params, runtime, principal, requestId }) =>
  NextResponse.json(
    { run: await abortMaintenanceRun(runtime, principal, params.id ?? "", requestId) },
    { status: 202 },
  ),
);
