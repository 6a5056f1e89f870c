import { requirePageUser } from "@/app/_lib/require-page-user";
import { ApiTokens } from "@/components/profile/api-tokens";
import { SecretSection } from "@/components/secrets/secret-section";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";
import { listSecrets } from "@/lib/secrets/list-secrets";
import { listApiTokens } from "@/lib/tokens/list-api-tokens";

export const dynamic = "force-dynamic";
export const metadata = { title: "Profile" };

// The viewer's own page: who they are, their API tokens and their secrets (from the database).
export default async function ProfilePage() {
  const runtime = getHubRuntime();
  const viewer = await requirePageUser(runtime, "/profile");
  const user = viewer.user;
  const [tokens, secrets] = await Promise.all([
    listApiTokens(runtime.prisma, user.id),
    listSecrets(runtime.prisma, user, { scope: "user" }),
  ]);
  return (
    <div className="flex flex-col gap-8">
      <div>
        <h1 className="text-xl font-semibold">Profile</h1>
        <dl className="mt-2 grid grid-cols-[6rem_1fr] gap-y-1 text-sm">
          <dt className="text-zinc-600 dark:text-zinc-400">Name</dt>
          <dd>{user.name ?? "—"}</dd>
          <dt className="text-zinc-600 dark:text-zinc-400">Email</dt>
          <dd>{user.email}</dd>
          <dt className="text-zinc-600 dark:text-zinc-400">Role</dt>
          <dd>{user.role === "admin" ? "Administrator" : "Member"}</dd>
        </dl>
      </div>
      <ApiTokens initial={tokens} />
      <SecretSection
        view={{
          scope: "user",
          title: "Your secrets",
          description: "Given to every agent you own, over its project's and the hub's.",
          writable: true,
        }}
        initial={secrets}
      />
    </div>
  );
}
