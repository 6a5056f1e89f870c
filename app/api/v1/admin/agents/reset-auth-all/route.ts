import { NextResponse } from "next/server";
import { ApiError } from "@/lib/http/api-error";
import { apiRoute } from "@/lib/http/api-route";
import type { ResetAuthAllSummary } from "@/lib/maintenance/reset-auth-all";
import { startMaintenanceRun } from "@/lib/maintenance/run-maintenance";

export const dynamic = "force-dynamic";

// POST /api/v1/admin/agents/reset-auth-all - admin; reset-auth for every running agent as a
// maintenance run (progress events on maintenance.run.{id}.progress), answering its summary.
export const POST = apiRoute("admin", async ({ runtime, principal, requestId }) => {
  const { run, finished } = await startMaintenanceRun(runtime, principal, "reset-auth-all", {}, requestId);
  const done = await finished;
  if (done.status === "failed")
    throw new ApiError(
      "internal",
      `Reset auth for all agents failed: ${(done.result as { error?: string } | null)?.error ?? "unknown error"}`,
    );
  const summary = done.result as Omit<ResetAuthAllSummary, "runId">;
  return NextResponse.json({ runId: run.id, ...summary });
});
