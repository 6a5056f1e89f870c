"use client";

import { useMemo, useState } from "react";
import { BulkActionBar } from "./bulk/bulk-action-bar";
import type { RowSelect } from "./bulk/select-cells";
import { useAgentSelection } from "./bulk/use-agent-selection";
import { CreateAgentDialog, type Choice } from "./create-agent-dialog";
import { AgentFilters } from "./list/agent-filters";
import { AgentGrid } from "./list/agent-grid";
import { AgentListHeader } from "./list/agent-list-header";
import { AgentPagination } from "./list/agent-pagination";
import { AgentTable } from "./list/agent-table";
import type { AgentNames } from "./list/agent-cells";
import { useAgentListState } from "./list/use-agent-list-state";
import { useAgentsPage, type AgentPage } from "./list/use-agents-page";

/**
 * The live agent list: list or grid, phase filter chips, search, sortable columns (a sort menu
 * in the grid), pages of 50. View, filter and sort are remembered in localStorage. The first
 * page comes server-rendered; events from the hub invalidate it, so it stays current.
 */
export function AgentList({
  initial,
  projects,
  brokers,
  projectId,
}: {
  initial: AgentPage;
  projects: Choice[];
  brokers: Array<Choice & { status: string }>;
  /** Only this project's agents (the project page); new agents default to it. */
  projectId?: string;
}) {
  const state = useAgentListState(projectId);
  const query = useAgentsPage(state.params, state.isDefault ? initial : undefined);
  const [creating, setCreating] = useState(false);
  const names = useMemo<AgentNames>(
    () => ({
      projects: new Map(projects.map((c) => [c.id, c.name])),
      brokers: new Map(brokers.map((c) => [c.id, c.name])),
    }),
    [projects, brokers],
  );
  const page = query.data;
  // Issue 14: multi-select and bulk actions.
  const selection = useAgentSelection();
  const shown = useMemo(() => page?.items.map((a) => a.id) ?? [], [page]);
  const onPage = shown.filter((id) => selection.selected.has(id)).length;
  const select: RowSelect = {
    isSelected: (id) => selection.selected.has(id),
    onToggle: (id, shift) => selection.toggle(id, shown, shift),
    page: onPage === 0 ? "none" : onPage === shown.length ? "all" : "some",
    onPage: (on) => selection.setPage(shown, on),
  };

  return (
    <section aria-labelledby="agents-heading">
      <AgentListHeader
        view={state.view}
        onView={state.setView}
        onCreate={() => setCreating(true)}
        level={projectId ? 2 : 1}
      />
      <AgentFilters state={state} />
      <BulkActionBar selection={selection} params={state.params} projectId={projectId} />
      <div className="mt-4 min-h-64" aria-busy={query.isFetching}>
        {query.isError && (
          <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
            The agents could not be loaded: {query.error.message}{" "}
            <button type="button" className="underline" onClick={() => void query.refetch()}>
              Try again
            </button>
          </p>
        )}
        {!page && !query.isError && <div className="card h-64 animate-pulse" aria-label="Loading agents" />}
        {page && page.items.length === 0 && (
          <div className="rounded-lg border border-dashed border-zinc-300 p-10 text-center dark:border-zinc-700">
            <h2 className="font-medium">{state.isDefault ? "No agents yet" : "No agents match"}</h2>
            <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
              {state.isDefault
                ? "Create an agent to run a coding assistant or any command on a broker."
                : "Try another filter or search."}
            </p>
          </div>
        )}
        {page && page.items.length > 0 && state.view === "list" && (
          <AgentTable agents={page.items} names={names} sort={state.sort} onSort={state.toggleSort} select={select} />
        )}
        {page && page.items.length > 0 && state.view === "grid" && (
          <AgentGrid agents={page.items} names={names} select={select} />
        )}
      </div>
      {page && (
        <AgentPagination
          pageNumber={state.pageNumber}
          nextCursor={page.nextCursor}
          onPrevious={state.previousPage}
          onNext={state.nextPage}
        />
      )}
      <CreateAgentDialog
        open={creating}
        onClose={() => setCreating(false)}
        projects={projects}
        brokers={brokers}
        defaultProjectId={projectId}
      />
    </section>
  );
}
