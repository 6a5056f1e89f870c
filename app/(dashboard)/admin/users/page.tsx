import { notFound } from "next/navigation";
import { requirePageUser } from "@/app/_lib/require-page-user";
import { AdminTabs } from "@/components/admin/admin-tabs";
import { UserAdmin } from "@/components/admin/user-admin";
import { listUsers } from "@/lib/users/list-users";
import { listUsersQuery } from "@/lib/users/schemas";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";
export const metadata = { title: "Users" };

// Admin users: roles and suspension (admins only; others get 404).
export default async function AdminUsersPage() {
  const runtime = getHubRuntime();
  const viewer = await requirePageUser(runtime, "/admin/users");
  if (viewer.user.role !== "admin") notFound();
  const page = await listUsers(runtime.prisma, listUsersQuery.parse({ limit: "500" }));
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold">Admin</h1>
      <AdminTabs current="users" />
      <UserAdmin initial={page.items} viewerId={viewer.user.id} />
    </>
  );
}
