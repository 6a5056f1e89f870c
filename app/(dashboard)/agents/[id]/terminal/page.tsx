import Link from "next/link";
import { requirePageUser } from "@/app/_lib/require-page-user";
import { getPageAgent } from "@/app/_lib/get-page-agent";
import { TerminalView } from "@/components/terminal/terminal-view";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";
export const metadata = { title: "Terminal" };

// The agent's terminal (owner or admin); the socket itself is authorized again at the upgrade.
export default async function TerminalPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const runtime = getHubRuntime();
  const viewer = await requirePageUser(runtime, `/agents/${id}/terminal`);
  const agent = await getPageAgent(runtime, viewer, id);
  return (
    <div className="flex h-[calc(100vh-9rem)] flex-col gap-3">
      <div className="flex items-center gap-3">
        <Link href={`/agents/${agent.id}`} className="text-sm text-zinc-600 hover:underline dark:text-zinc-400">
          ← {agent.name}
        </Link>
        <h1 className="text-xl font-semibold">Terminal</h1>
      </div>
      <TerminalView agentId={agent.id} />
    </div>
  );
}
