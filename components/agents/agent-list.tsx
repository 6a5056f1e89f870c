"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo, useState } from "react";
import { z } from "zod";
import type { AgentJson } from "@/lib/agents/schemas";
import { IconButton } from "../ui/icon-button";
import { Icon } from "../ui/icons";
import { RelativeTime } from "../ui/relative-time";
import { StatusBadge } from "../ui/status-badge";
import { AgentActions } from "./agent-actions";
import { agentStatus, PHASE_FILTERS, type PhaseFilterId } from "./agent-status";
import { CreateAgentDialog, type Choice } from "./create-agent-dialog";
import { agentKeys, api, listAgentsUrl, type AgentPage } from "./queries";
import { useStoredState } from "./use-stored-state";

const PAGE_SIZE = 50;
const viewSchema = z.enum(["list", "grid"]);
const filterSchema = z.enum(PHASE_FILTERS.map((f) => f.id) as [PhaseFilterId, ...PhaseFilterId[]]);
const sortSchema = z
  .object({ field: z.enum(["name", "phase", "updated", "created"]), order: z.enum(["asc", "desc"]) })
  .strict();
type Sort = z.infer<typeof sortSchema>;
const DEFAULT_SORT: Sort = { field: "created", order: "desc" };

const SORT_OPTIONS: Array<{ label: string; sort: Sort }> = [
  { label: "Newest first", sort: { field: "created", order: "desc" } },
  { label: "Recently updated", sort: { field: "updated", order: "desc" } },
  { label: "Name A–Z", sort: { field: "name", order: "asc" } },
  { label: "Name Z–A", sort: { field: "name", order: "desc" } },
  { label: "Status", sort: { field: "phase", order: "asc" } },
];

/**
 * The live agent list: list or grid, phase filter chips, search, sortable columns (a sort menu
 * in the grid), pages of 50. View, filter and sort are remembered in localStorage. The first
 * page comes server-rendered; events from the hub invalidate it, so it stays current.
 */
export function AgentList({
  initial,
  projects,
  brokers,
}: {
  initial: AgentPage;
  projects: Choice[];
  brokers: Array<Choice & { status: string }>;
}) {
  const [view, setView] = useStoredState("scion.agents.view", viewSchema, "list");
  const [filter, setFilter] = useStoredState<PhaseFilterId>("scion.agents.filter", filterSchema, "all");
  const [sort, setSort] = useStoredState<Sort>("scion.agents.sort", sortSchema, DEFAULT_SORT);
  const [q, setQ] = useState("");
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [creating, setCreating] = useState(false);
  const cursor = cursors[cursors.length - 1] ?? null;

  const params = useMemo(() => {
    const p: Record<string, string> = { limit: String(PAGE_SIZE), sort: sort.field, order: sort.order };
    const phase = PHASE_FILTERS.find((f) => f.id === filter)?.phase;
    if (phase) p.phase = phase;
    if (q.trim()) p.q = q.trim();
    if (cursor) p.cursor = cursor;
    return p;
  }, [sort, filter, q, cursor]);
  const isDefault =
    filter === "all" && !q.trim() && !cursor && sort.field === DEFAULT_SORT.field && sort.order === DEFAULT_SORT.order;
  const query = useQuery({
    queryKey: agentKeys.list(params),
    queryFn: async () => (await api<AgentPage>(listAgentsUrl(params))).body,
    initialData: isDefault ? initial : undefined,
    placeholderData: keepPreviousData,
  });
  const page = query.data;
  const names = (list: Choice[]) => new Map(list.map((c) => [c.id, c.name]));
  const projectNames = useMemo(() => names(projects), [projects]);
  const brokerNames = useMemo(() => names(brokers), [brokers]);
  const reset = () => setCursors([null]);

  const toggleSort = (field: Sort["field"]) => {
    setSort(
      sort.field === field
        ? { field, order: sort.order === "asc" ? "desc" : "asc" }
        : { field, order: field === "name" || field === "phase" ? "asc" : "desc" },
    );
    reset();
  };
  const ariaSort = (field: Sort["field"]) =>
    sort.field === field ? (sort.order === "asc" ? "ascending" : "descending") : "none";

  return (
    <section aria-labelledby="agents-heading">
      <div className="flex flex-wrap items-center gap-3">
        <h1 id="agents-heading" className="text-xl font-semibold">
          Agents
        </h1>
        <div className="ml-auto flex items-center gap-2">
          <div role="group" aria-label="View" className="flex rounded-md border border-zinc-300 dark:border-zinc-600">
            <IconButton
              icon="list"
              label="List view"
              aria-pressed={view === "list"}
              className="aria-pressed:bg-zinc-200 dark:aria-pressed:bg-zinc-700"
              onClick={() => setView("list")}
            />
            <IconButton
              icon="grid"
              label="Grid view"
              aria-pressed={view === "grid"}
              className="aria-pressed:bg-zinc-200 dark:aria-pressed:bg-zinc-700"
              onClick={() => setView("grid")}
            />
          </div>
          <button type="button" className="btn-primary" onClick={() => setCreating(true)}>
            <Icon name="plus" /> New agent
          </button>
        </div>
      </div>

      <div className="mt-4 flex flex-wrap items-center gap-2">
        <div role="group" aria-label="Filter by status" className="flex flex-wrap gap-1.5">
          {PHASE_FILTERS.map((f) => (
            <button
              key={f.id}
              type="button"
              aria-pressed={filter === f.id}
              onClick={() => {
                setFilter(f.id);
                reset();
              }}
              className="rounded-full border border-zinc-300 px-3 py-1 text-xs font-medium hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-blue-600 aria-pressed:border-blue-700 aria-pressed:bg-blue-700 aria-pressed:text-white dark:border-zinc-600 dark:hover:bg-zinc-800"
            >
              {f.label}
            </button>
          ))}
        </div>
        <label className="ml-auto flex items-center gap-2 text-sm">
          <span className="sr-only">Search agents</span>
          <input
            type="search"
            placeholder="Search by name"
            value={q}
            maxLength={200}
            onChange={(e) => {
              setQ(e.target.value);
              reset();
            }}
            className="input w-56"
          />
        </label>
        {view === "grid" && (
          <label className="flex items-center gap-2 text-sm">
            <span>Sort</span>
            <select
              className="input w-44"
              value={SORT_OPTIONS.findIndex((o) => o.sort.field === sort.field && o.sort.order === sort.order)}
              onChange={(e) => {
                setSort(SORT_OPTIONS[Number(e.target.value)]!.sort);
                reset();
              }}
            >
              {SORT_OPTIONS.map((o, i) => (
                <option key={o.label} value={i}>
                  {o.label}
                </option>
              ))}
              {!SORT_OPTIONS.some((o) => o.sort.field === sort.field && o.sort.order === sort.order) && (
                <option value={-1}>Custom</option>
              )}
            </select>
          </label>
        )}
      </div>

      <div className="mt-4 min-h-64" aria-busy={query.isFetching}>
        {query.isError && (
          <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
            The agents could not be loaded: {(query.error as Error).message}{" "}
            <button type="button" className="underline" onClick={() => void query.refetch()}>
              Try again
            </button>
          </p>
        )}
        {!page && !query.isError && <div className="card h-64 animate-pulse" aria-label="Loading agents" />}
        {page && page.items.length === 0 && (
          <div className="rounded-lg border border-dashed border-zinc-300 p-10 text-center dark:border-zinc-700">
            <h2 className="font-medium">{isDefault ? "No agents yet" : "No agents match"}</h2>
            <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
              {isDefault
                ? "Create an agent to run a coding assistant or any command on a broker."
                : "Try another filter or search."}
            </p>
          </div>
        )}
        {page && page.items.length > 0 && view === "list" && (
          <div className="card overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead className="border-b border-zinc-200 text-xs uppercase text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
                <tr>
                  <SortHeader label="Name" field="name" current={ariaSort("name")} onSort={toggleSort} />
                  <th scope="col" className="px-3 py-2 font-medium">
                    Project
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Broker
                  </th>
                  <SortHeader label="Status" field="phase" current={ariaSort("phase")} onSort={toggleSort} />
                  <th scope="col" className="px-3 py-2 font-medium">
                    Task
                  </th>
                  <SortHeader label="Updated" field="updated" current={ariaSort("updated")} onSort={toggleSort} />
                  <th scope="col" className="px-3 py-2 text-right font-medium">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((agent) => (
                  <tr
                    key={agent.id}
                    data-agent={agent.slug}
                    className="border-b border-zinc-100 last:border-0 dark:border-zinc-800"
                  >
                    <td className="px-3 py-2 font-medium">
                      <Link
                        href={`/agents/${agent.id}`}
                        className="hover:underline focus-visible:outline-2 focus-visible:outline-blue-600"
                      >
                        {agent.name}
                      </Link>
                    </td>
                    <td className="px-3 py-2 text-zinc-700 dark:text-zinc-300">
                      {projectNames.get(agent.projectId) ?? "—"}
                    </td>
                    <td className="px-3 py-2 text-zinc-700 dark:text-zinc-300">
                      {agent.brokerId ? (brokerNames.get(agent.brokerId) ?? "—") : "Automatic"}
                    </td>
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
                ))}
              </tbody>
            </table>
          </div>
        )}
        {page && page.items.length > 0 && view === "grid" && (
          <ul className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3">
            {page.items.map((agent) => (
              <li key={agent.id} data-agent={agent.slug} className="card flex flex-col gap-2 p-4">
                <div className="flex items-start justify-between gap-2">
                  <Link href={`/agents/${agent.id}`} className="font-medium hover:underline">
                    {agent.name}
                  </Link>
                  <StatusBadge status={agentStatus(agent)} />
                </div>
                <p className="text-xs text-zinc-600 dark:text-zinc-400">
                  {projectNames.get(agent.projectId) ?? "—"} ·{" "}
                  {agent.brokerId ? (brokerNames.get(agent.brokerId) ?? "—") : "Automatic"} ·{" "}
                  <RelativeTime iso={agent.updatedAt} />
                </p>
                <p className="line-clamp-2 min-h-10 text-sm text-zinc-700 dark:text-zinc-300">
                  {agent.task ?? "No task"}
                </p>
                <LastOutputLine text={agent.lastOutput} />
                <AgentActions agent={agent} />
              </li>
            ))}
          </ul>
        )}
      </div>

      {page && (cursors.length > 1 || page.nextCursor) && (
        <nav aria-label="Pages" className="mt-4 flex items-center justify-end gap-3 text-sm">
          <span className="text-zinc-600 dark:text-zinc-400">Page {cursors.length}</span>
          <button
            type="button"
            className="btn-secondary"
            disabled={cursors.length <= 1}
            onClick={() => setCursors(cursors.slice(0, -1))}
          >
            Previous page
          </button>
          <button
            type="button"
            className="btn-secondary"
            disabled={!page.nextCursor}
            onClick={() => page.nextCursor && setCursors([...cursors, page.nextCursor])}
          >
            Next page
          </button>
        </nav>
      )}
      <CreateAgentDialog open={creating} onClose={() => setCreating(false)} projects={projects} brokers={brokers} />
    </section>
  );
}

/** The agent's last answer, on one line with an ellipsis (the agent page shows all of it). */
function LastOutputLine({ text }: { text: string | null }) {
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

function SortHeader({
  label,
  field,
  current,
  onSort,
}: {
  label: string;
  field: Sort["field"];
  current: "ascending" | "descending" | "none";
  onSort: (field: Sort["field"]) => void;
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
