import { notFound } from "next/navigation";
import { requirePageUser } from "@/app/_lib/require-page-user";
import { RunDetail } from "@/components/admin/run-detail";
import { ApiError } from "@/lib/http/api-error";
import { getMaintenanceRunOrThrow } from "@/lib/maintenance/list-runs";
import { findOperation } from "@/lib/maintenance/operations";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";
export const metadata = { title: "Maintenance run" };

// One maintenance run with its live log (admins only).
export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const runtime = getHubRuntime();
  const viewer = await requirePageUser(runtime, `/admin/maintenance/runs/${id}`);
  if (viewer.user.role !== "admin") notFound();
  const run = await getMaintenanceRunOrThrow(runtime.prisma, id).catch((err: unknown) => {
    if (err instanceof ApiError && err.code === "not_found") notFound();
    throw err;
  });
  return <RunDetail initial={run} title={findOperation(run.operationKey)?.title ?? run.operationKey} />;
}
