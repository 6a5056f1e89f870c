import { notFound } from "next/navigation";
import { requirePageUser } from "@/app/_lib/require-page-user";
import { AdminTabs } from "@/components/admin/admin-tabs";
import { MaintenancePage } from "@/components/admin/maintenance-page";
import { listMaintenanceRuns, listRunsQuery } from "@/lib/maintenance/list-runs";
import { OPERATIONS } from "@/lib/maintenance/operations";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";
export const metadata = { title: "Maintenance" };

// Admin maintenance: quick actions, operations and their run history (admins only; others get 404).
export default async function AdminMaintenancePage() {
  const runtime = getHubRuntime();
  const viewer = await requirePageUser(runtime, "/admin/maintenance");
  if (viewer.user.role !== "admin") notFound();
  const runs = await listMaintenanceRuns(runtime.prisma, listRunsQuery.parse({ limit: "25" }));
  const operations = OPERATIONS.map(({ key, title, description, category, params }) => ({
    key,
    title,
    description,
    category,
    params,
  }));
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold">Admin</h1>
      <AdminTabs current="maintenance" />
      <MaintenancePage operations={operations} initialRuns={runs.items} />
    </>
  );
}
