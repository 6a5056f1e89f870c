import { AppShell } from "@/components/shell/app-shell";
import { StatCard } from "@/components/shell/stat-card";
import { redirect } from "next/navigation";
import { getFleetSummary } from "@/lib/agents/get-fleet-summary";
import { getPagePrincipal } from "@/lib/auth/get-page-principal";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";

export default async function HomePage() {
  const runtime = getHubRuntime();
  const principal = await getPagePrincipal(runtime);
  if (!principal || principal.kind !== "user") redirect("/login");
  if (principal.user.status !== "active") redirect(`/login?error=AccessDenied&reason=${encodeURIComponent("This account is suspended. Ask an administrator to reactivate it.")}`);
  const summary = await getFleetSummary(runtime.prisma, principal);
  return (
    <AppShell badge={runtime.config.authMode === "dev" ? "Dev mode" : undefined}>
      <h1 className="text-xl font-semibold">Agents</h1>
      <dl className="mt-6 grid grid-cols-1 gap-4 sm:grid-cols-3">
        <StatCard label="Agents" value={summary.agents} hint={`${summary.runningAgents} running`} />
        <StatCard label="Projects" value={summary.projects} />
        <StatCard label="Brokers online" value={summary.brokersOnline} hint={`of ${summary.brokers} registered`} />
      </dl>
      {summary.agents === 0 && (
        <section className="mt-10 rounded-lg border border-dashed border-zinc-300 p-10 text-center dark:border-zinc-700">
          <h2 className="font-medium">No agents yet</h2>
          <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
            Agents you create appear here with their status, live.
          </p>
        </section>
      )}
    </AppShell>
  );
}
