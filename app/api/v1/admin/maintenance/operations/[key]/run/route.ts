import { NextResponse } from "next/server";
import { z } from "zod";
import { apiRoute } from "@/lib/http/api-route";
import { readJsonBody } from "@/lib/http/read-json-body";
import { startMaintenanceRun } from "@/lib/maintenance/run-maintenance";

export const dynamic = "force-dynamic";

const runBody = z.object({ params: z.record(z.string(), z.unknown()).optional() }).strict();

// POST /api/v1/admin/maintenance/operations/{key}/run - start a run (202); progress arrives as events.
export const POST = apiRoute("admin", async ({ req, params, runtime, principal, requestId }) => {
  const body = (await readJsonBody(req, runBody.optional())) ?? {};
  const { run } = await startMaintenanceRun(runtime, principal, params.key ?? "", body.params, requestId);
  return NextResponse.json({ run }, { status: 202 });
});
