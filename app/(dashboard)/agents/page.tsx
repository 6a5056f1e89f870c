import { AgentListPage } from "@/app/_lib/agent-list-page";

export const dynamic = "force-dynamic";
export const metadata = { title: { absolute: "Agents · Scion Hub" } };

// `/agents`: the same agent list as `/` (the address Scion users type).
export default function AgentsPage() {
  return <AgentListPage returnTo="/agents" />;
}
