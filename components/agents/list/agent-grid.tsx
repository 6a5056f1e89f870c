import Link from "next/link";
import type { AgentJson } from "@/lib/agents/schemas";
import { RelativeTime } from "../../ui/relative-time";
import { StatusBadge } from "../../ui/status-badge";
import { AgentActions } from "../agent-actions";
import { agentStatus } from "../agent-status";
import { SelectBox, type RowSelect } from "../bulk/select-cells";
import { ScreenDisclosure } from "../screen-preview";
import { brokerName, LastOutputLine, projectName, type AgentNames } from "./agent-cells";

/** The grid view: one card per agent. */
export function AgentGrid({ agents, names, select }: { agents: AgentJson[]; names: AgentNames; select?: RowSelect }) {
  return (
    <ul className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3">
      {agents.map((agent) => (
        <li key={agent.id} data-agent={agent.slug} className="card flex flex-col gap-2 p-4">
          <div className="flex items-start justify-between gap-2">
            {select && <SelectBox select={select} id={agent.id} name={agent.name} />}
            <Link href={`/agents/${agent.id}`} className="font-medium hover:underline">
              {agent.name}
            </Link>
            <StatusBadge status={agentStatus(agent)} />
          </div>
          <p className="text-xs text-zinc-600 dark:text-zinc-400">
            {projectName(agent, names)} · {brokerName(agent, names)} · <RelativeTime iso={agent.updatedAt} />
          </p>
          <p className="line-clamp-2 min-h-10 text-sm text-zinc-700 dark:text-zinc-300">{agent.task ?? "No task"}</p>
          <LastOutputLine text={agent.lastOutput} />
          <ScreenDisclosure agent={agent} />
          <AgentActions agent={agent} />
        </li>
      ))}
    </ul>
  );
}
