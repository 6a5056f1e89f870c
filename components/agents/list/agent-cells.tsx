import type { AgentJson } from "@/lib/agents/schemas";

/** Project and broker names by id, for the list's columns. */
export interface AgentNames {
  projects: Map<string, string>;
  brokers: Map<string, string>;
}

export function projectName(agent: AgentJson, names: AgentNames): string {
  return names.projects.get(agent.projectId) ?? "—";
}

/** The broker it runs on, or "Automatic" when the hub picks one. */
export function brokerName(agent: AgentJson, names: AgentNames): string {
  return agent.brokerId ? (names.brokers.get(agent.brokerId) ?? "—") : "Automatic";
}

/** The agent's last answer, on one line with an ellipsis (the agent page shows all of it). */
export function LastOutputLine({ text }: { text: string | null }) {
  if (!text) return null;
  const line = text.replace(/\s+/g, " ").trim();
  return (
    <span
      data-last-output
      className="mt-0.5 block max-w-xs truncate text-xs text-zinc-600 dark:text-zinc-400"
      title={line}
    >
      <span className="sr-only">Last output: </span>
      {line}
    </span>
  );
}
