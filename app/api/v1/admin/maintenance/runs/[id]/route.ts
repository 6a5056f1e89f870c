import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { getMaintenanceRunOrThrow } from "@/lib/maintenance/list-runs";

export const dynamic = "force-dynamic";

// GET /api/v1/admin/maintenance/runs/{id} - one run with its log.
export const GET = apiRoute("admin", async ({ params, runtime }) =>
  NextResponse.json(await getMaintenanceRunOrThrow(runtime.prisma, params.id)),
);
