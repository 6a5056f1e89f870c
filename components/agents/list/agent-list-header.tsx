import { IconButton } from "../../ui/icon-button";
import { Icon } from "../../ui/icons";
import type { View } from "./use-agent-list-state";

/** The list's heading, the list/grid switch and New agent. */
export function AgentListHeader({
  view,
  onView,
  onCreate,
  level = 1,
}: {
  view: View;
  onView: (view: View) => void;
  onCreate: () => void;
  /** 1 on the agent list page; 2 inside another page (the project page). */
  level?: 1 | 2;
}) {
  const Heading = level === 1 ? "h1" : "h2";
  return (
    <div className="flex flex-wrap items-center gap-3">
      <Heading id="agents-heading" className={level === 1 ? "text-xl font-semibold" : "text-base font-semibold"}>
        Agents
      </Heading>
      <div className="ml-auto flex items-center gap-2">
        <div role="group" aria-label="View" className="flex rounded-md border border-zinc-300 dark:border-zinc-600">
          <IconButton
            icon="list"
            label="List view"
            aria-pressed={view === "list"}
            className="aria-pressed:bg-zinc-200 dark:aria-pressed:bg-zinc-700"
            onClick={() => onView("list")}
          />
          <IconButton
            icon="grid"
            label="Grid view"
            aria-pressed={view === "grid"}
            className="aria-pressed:bg-zinc-200 dark:aria-pressed:bg-zinc-700"
            onClick={() => onView("grid")}
          />
        </div>
        <button type="button" className="btn-primary" onClick={onCreate}>
          <Icon name="plus" /> New agent
        </button>
      </div>
    </div>
  );
}
