import type { ReactNode } from "react";

export type Column = string | { label: ReactNode; className?: string; srOnly?: boolean };

/** The header row of the dashboard's tables: small caps labels, with screen-reader-only ones for action columns. */
export function TableHead({ columns }: { columns: Column[] }) {
  return (
    <thead className="border-b border-zinc-200 text-xs uppercase text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
      <tr>
        {columns.map((c, i) => {
          const col = typeof c === "string" ? { label: c } : c;
          return (
            <th key={i} scope="col" className={`px-3 py-2 font-medium ${col.className ?? ""}`}>
              {col.srOnly ? <span className="sr-only">{col.label}</span> : col.label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
