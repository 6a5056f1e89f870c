import { AgentListPage } from "@/app/_lib/agent-list-page";

export const dynamic = "force-dynamic";
export const metadata = { title: { absolute: "Agents · Scion Hub" } };

// The agent list, first page rendered from the database; the client keeps it live.
export default function AgentsPage() {
  return <AgentListPage returnTo="/" />;
}
