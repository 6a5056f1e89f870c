"use client";

import { useMemo, useState } from "react";
import { z } from "zod";
import { PHASE_FILTERS, type PhaseFilterId } from "../agent-status";
import { useStoredState } from "../use-stored-state";

export const PAGE_SIZE = 50;

const viewSchema = z.enum(["list", "grid"]);
const filterSchema = z.enum(PHASE_FILTERS.map((f) => f.id) as [PhaseFilterId, ...PhaseFilterId[]]);
const sortSchema = z
  .object({ field: z.enum(["name", "phase", "updated", "created"]), order: z.enum(["asc", "desc"]) })
  .strict();

export type View = z.infer<typeof viewSchema>;
export type Sort = z.infer<typeof sortSchema>;
export type SortField = Sort["field"];
export const DEFAULT_SORT: Sort = { field: "created", order: "desc" };

/**
 * What the agent list shows: view, phase filter and sort (remembered in localStorage), the search
 * text, and the page (a stack of cursors; any change of filter, search or sort goes back to the
 * first). `params` is the API query they make (of one project's agents with `projectId`: the
 * project page); `isDefault` says it is the server-rendered one.
 */
export function useAgentListState(projectId?: string) {
  const [view, setView] = useStoredState("scion.agents.view", viewSchema, "list");
  const [filter, storeFilter] = useStoredState<PhaseFilterId>("scion.agents.filter", filterSchema, "all");
  const [sort, storeSort] = useStoredState<Sort>("scion.agents.sort", sortSchema, DEFAULT_SORT);
  const [q, storeQ] = useState("");
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const firstPage = () => setCursors([null]);

  const params = useMemo(() => {
    const p: Record<string, string> = { limit: String(PAGE_SIZE), sort: sort.field, order: sort.order };
    if (projectId) p.projectId = projectId;
    const phase = PHASE_FILTERS.find((f) => f.id === filter)?.phase;
    if (phase) p.phase = phase;
    if (q.trim()) p.q = q.trim();
    if (cursor) p.cursor = cursor;
    return p;
  }, [sort, filter, q, cursor, projectId]);
  const isDefault =
    filter === "all" && !q.trim() && !cursor && sort.field === DEFAULT_SORT.field && sort.order === DEFAULT_SORT.order;

  return {
    view,
    setView,
    filter,
    setFilter: (next: PhaseFilterId) => {
      storeFilter(next);
      firstPage();
    },
    q,
    setQ: (next: string) => {
      storeQ(next);
      firstPage();
    },
    sort,
    setSort: (next: Sort) => {
      storeSort(next);
      firstPage();
    },
    /** A column header: the same column flips the order; another starts A–Z for text, newest first for times. */
    toggleSort: (field: SortField) => {
      storeSort(
        sort.field === field
          ? { field, order: sort.order === "asc" ? "desc" : "asc" }
          : { field, order: field === "name" || field === "phase" ? "asc" : "desc" },
      );
      firstPage();
    },
    params,
    isDefault,
    pageNumber: cursors.length,
    previousPage: () => setCursors(cursors.slice(0, -1)),
    nextPage: (next: string) => setCursors([...cursors, next]),
  };
}

export type AgentListState = ReturnType<typeof useAgentListState>;
