"use client";

import { useEffect, useRef } from "react";

/** What the list view needs of the multi-select (use-agent-selection.ts), for the agents it shows. */
export interface RowSelect {
  isSelected(id: string): boolean;
  /** A click on an agent's box; `shift` selects the range from the last one clicked. */
  onToggle(id: string, shift: boolean): void;
  /** The page's box: how many of the shown agents are selected, and select or clear them all. */
  page: "all" | "some" | "none";
  onPage(on: boolean): void;
}

/** The header cell: select or clear every agent on the page (mixed when some are). */
export function SelectPageHeader({ select }: { select: RowSelect }) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = select.page === "some";
  }, [select.page]);
  return (
    <th scope="col" className="w-8 px-3 py-2">
      <input
        ref={ref}
        type="checkbox"
        aria-label="Select every agent on this page"
        checked={select.page === "all"}
        onChange={() => select.onPage(select.page !== "all")}
      />
    </th>
  );
}

/** An agent's box; shift-click selects a range. */
export function SelectBox({ select, id, name }: { select: RowSelect; id: string; name: string }) {
  return (
    <input
      type="checkbox"
      aria-label={`Select ${name}`}
      checked={select.isSelected(id)}
      // onChange has no shiftKey; the click that causes it does.
      onClick={(e) => select.onToggle(id, e.shiftKey)}
      onChange={() => undefined}
    />
  );
}
