import type { StatusDisplay, StatusTone } from "../agents/agent-status";

const TONES: Record<StatusTone, { pill: string; dot: string }> = {
  green: { pill: "bg-green-100 text-green-900 dark:bg-green-900/40 dark:text-green-200", dot: "bg-green-600" },
  amber: { pill: "bg-amber-100 text-amber-900 dark:bg-amber-900/40 dark:text-amber-200", dot: "bg-amber-500" },
  red: { pill: "bg-red-100 text-red-900 dark:bg-red-900/40 dark:text-red-200", dot: "bg-red-600" },
  blue: { pill: "bg-blue-100 text-blue-900 dark:bg-blue-900/40 dark:text-blue-200", dot: "bg-blue-600" },
  grey: { pill: "bg-zinc-200 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200", dot: "bg-zinc-500" },
};

/** A status pill: coloured label, with a pulsing dot while work is in progress. */
export function StatusBadge({ status }: { status: StatusDisplay }) {
  const tone = TONES[status.tone];
  return (
    <span
      data-status={status.label}
      className={`inline-flex items-center gap-1.5 whitespace-nowrap rounded-full px-2.5 py-0.5 text-xs font-medium ${tone.pill}`}
    >
      <span className="relative flex h-2 w-2" aria-hidden="true">
        {status.pulse && (
          <span className={`absolute inline-flex h-full w-full animate-ping rounded-full opacity-60 ${tone.dot}`} />
        )}
        <span className={`relative inline-flex h-2 w-2 rounded-full ${tone.dot}`} />
      </span>
      {status.label}
    </span>
  );
}
