"use client";

import { useCallback, useRef, useState } from "react";

/**
 * The agent list's multi-select: agents picked by id (kept across pages and refreshes), a click
 * toggles one, a shift-click sets the whole range from the last clicked agent (in the order the
 * page shows them) to the state of the clicked one; the page's box selects or clears the page.
 */
export function useAgentSelection() {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const anchor = useRef<string | null>(null);

  const toggle = useCallback((id: string, shown: readonly string[], shift: boolean) => {
    // Read the anchor now: the updater runs later, after it has moved to this agent.
    const from = anchor.current ? shown.indexOf(anchor.current) : -1;
    const to = shown.indexOf(id);
    setSelected((prev) => {
      const next = new Set(prev);
      const on = !prev.has(id);
      if (shift && from >= 0 && to >= 0) {
        for (const rangeId of shown.slice(Math.min(from, to), Math.max(from, to) + 1)) {
          if (on) next.add(rangeId);
          else next.delete(rangeId);
        }
      } else if (on) next.add(id);
      else next.delete(id);
      return next;
    });
    anchor.current = id;
  }, []);

  const setPage = useCallback((ids: readonly string[], on: boolean) => {
    setSelected((prev) => {
      const next = new Set(prev);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return next;
    });
  }, []);

  const replace = useCallback((ids: readonly string[]) => setSelected(new Set(ids)), []);
  const clear = useCallback(() => {
    anchor.current = null;
    setSelected(new Set());
  }, []);

  return { selected, toggle, setPage, replace, clear };
}

export type AgentSelection = ReturnType<typeof useAgentSelection>;
