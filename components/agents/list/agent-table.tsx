import Link from "next/link";
import { Fragment, useState } from "react";
import type { AgentJson } from "@/lib/agents/schemas";
import { Icon } from "../../ui/icons";
import { RelativeTime } from "../../ui/relative-time";
import { StatusBadge } from "../../ui/status-badge";
import { AgentActions } from "../agent-actions";
import { agentStatus } from "../agent-status";
import { brokerName, LastOutputLine, projectName, type AgentNames } from "./agent-cells";
import type { Sort, SortField } from "./use-agent-list-state";
import { SelectBox, SelectPageHeader, type RowSelect } from "../bulk/select-cells";
import { ScreenPreview, ScreenPreviewToggle } from "../screen-preview";

/** The list view: one row per agent, sortable by name, status and last update. */
export function AgentTable({
  agents,
  names,
  sort,
  onSort,
  select,
}: {
  agents: AgentJson[];
  names: AgentNames;
  sort: Sort;
  onSort: (field: SortField) => void;
  /** Multi-select for bulk actions (issue 14); without it no boxes are shown. */
  select?: RowSelect;
}) {
  const ariaSort = (field: SortField) =>
    sort.field === field ? (sort.order === "asc" ? "ascending" : "descending") : "none";
  return (
    <div className="card overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="border-b border-zinc-200 text-xs uppercase text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
          <tr>
            {select && <SelectPageHeader select={select} />}
            <SortHeader label="Name" field="name" current={ariaSort("name")} onSort={onSort} />
            <th scope="col" className="px-3 py-2 font-medium">
              Project
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Broker
            </th>
            <SortHeader label="Status" field="phase" current={ariaSort("phase")} onSort={onSort} />
            <th scope="col" className="px-3 py-2 font-medium">
              Task
            </th>
            <SortHeader label="Updated" field="updated" current={ariaSort("updated")} onSort={onSort} />
            <th scope="col" className="px-3 py-2 text-right font-medium">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {agents.map((agent) => (
            <AgentRow key={agent.id} agent={agent} names={names} select={select} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AgentRow({ agent, names, select }: { agent: AgentJson; names: AgentNames; select?: RowSelect }) {
  const [preview, setPreview] = useState<"hover" | "pinned" | null>(null);
  return (
    <Fragment>
      <tr data-agent={agent.slug} className="border-b border-zinc-100 last:border-0 dark:border-zinc-800">
        {select && (
          <td className="w-8 px-3 py-2">
            <SelectBox select={select} id={agent.id} name={agent.name} />
          </td>
        )}
        <td className="px-3 py-2 font-medium">
          <Link
            href={`/agents/${agent.id}`}
            className="hover:underline focus-visible:outline-2 focus-visible:outline-blue-600"
          >
            {agent.name}
          </Link>
          <ScreenPreviewToggle agent={agent} open={preview} onOpen={setPreview} />
        </td>
        <td className="px-3 py-2 text-zinc-700 dark:text-zinc-300">{projectName(agent, names)}</td>
        <td className="px-3 py-2 text-zinc-700 dark:text-zinc-300">{brokerName(agent, names)}</td>
        <td className="px-3 py-2">
          <StatusBadge status={agentStatus(agent)} />
        </td>
        <td className="max-w-xs px-3 py-2 text-zinc-700 dark:text-zinc-300">
          <span className="line-clamp-2">{agent.task ?? "—"}</span>
          <LastOutputLine text={agent.lastOutput} />
        </td>
        <td className="whitespace-nowrap px-3 py-2 text-zinc-600 dark:text-zinc-400">
          <RelativeTime iso={agent.updatedAt} />
        </td>
        <td className="px-3 py-2">
          <AgentActions agent={agent} />
        </td>
      </tr>
      {preview && agent.phase === "running" && (
        <tr className="border-b border-zinc-100 dark:border-zinc-800">
          <td colSpan={select ? 8 : 7} className="px-3 pb-3">
            <ScreenPreview agent={agent} />
          </td>
        </tr>
      )}
    </Fragment>
  );
}

function SortHeader({
  label,
  field,
  current,
  onSort,
}: {
  label: string;
  field: SortField;
  current: "ascending" | "descending" | "none";
  onSort: (field: SortField) => void;
}) {
  return (
    <th scope="col" aria-sort={current} className="px-3 py-2 font-medium">
      <button
        type="button"
        onClick={() => onSort(field)}
        className="inline-flex items-center gap-1 uppercase hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-blue-600 dark:hover:text-zinc-100"
      >
        {label}
        {current !== "none" && (
          <Icon name={current === "ascending" ? "chevronUp" : "chevronDown"} width={12} height={12} />
        )}
      </button>
    </th>
  );
}
