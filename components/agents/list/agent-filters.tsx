import { PHASE_FILTERS } from "../agent-status";
import type { AgentListState, Sort } from "./use-agent-list-state";

const SORT_OPTIONS: Array<{ label: string; sort: Sort }> = [
  { label: "Newest first", sort: { field: "created", order: "desc" } },
  { label: "Recently updated", sort: { field: "updated", order: "desc" } },
  { label: "Name A–Z", sort: { field: "name", order: "asc" } },
  { label: "Name Z–A", sort: { field: "name", order: "desc" } },
  { label: "Status", sort: { field: "phase", order: "asc" } },
];

/** The filters bar: phase chips, search by name, and (in the grid, which has no column headers) a sort menu. */
export function AgentFilters({
  state,
}: {
  state: Pick<AgentListState, "view" | "filter" | "setFilter" | "q" | "setQ" | "sort" | "setSort">;
}) {
  const { view, filter, setFilter, q, setQ, sort, setSort } = state;
  const isSort = (o: { sort: Sort }) => o.sort.field === sort.field && o.sort.order === sort.order;
  return (
    <div className="mt-4 flex flex-wrap items-center gap-2">
      <div role="group" aria-label="Filter by status" className="flex flex-wrap gap-1.5">
        {PHASE_FILTERS.map((f) => (
          <button
            key={f.id}
            type="button"
            aria-pressed={filter === f.id}
            onClick={() => setFilter(f.id)}
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
          onChange={(e) => setQ(e.target.value)}
          className="input w-56"
        />
      </label>
      {view === "grid" && (
        <label className="flex items-center gap-2 text-sm">
          <span>Sort</span>
          <select
            className="input w-44"
            value={SORT_OPTIONS.findIndex(isSort)}
            onChange={(e) => setSort(SORT_OPTIONS[Number(e.target.value)]!.sort)}
          >
            {SORT_OPTIONS.map((o, i) => (
              <option key={o.label} value={i}>
                {o.label}
              </option>
            ))}
            {!SORT_OPTIONS.some(isSort) && <option value={-1}>Custom</option>}
          </select>
        </label>
      )}
    </div>
  );
}
