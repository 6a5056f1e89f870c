"use client";

import { useState } from "react";
import type { AgentJson } from "@/lib/agents/schemas";
import { RelativeTime } from "../ui/relative-time";
import { ScreenText, SCREEN_REFRESH_MS, useAgentScreen } from "./screen-preview";

/** The agent page's Screen panel: the whole screen, refreshed every two seconds unless paused. */
export function ScreenPanel({ agent }: { agent: Pick<AgentJson, "id" | "name" | "phase"> }) {
  const [live, setLive] = useState(true);
  const screen = useAgentScreen(agent, { live });
  if (agent.phase !== "running")
    return <p className="text-sm text-zinc-600 dark:text-zinc-400">The screen shows while the agent runs.</p>;
  return (
    <div className="flex flex-col gap-2">
      <div className="flex items-center gap-3 text-xs text-zinc-600 dark:text-zinc-400">
        {screen.data && (
          <span>
            {screen.data.cols}×{screen.data.rows} · captured <RelativeTime iso={screen.data.capturedAt} />
          </span>
        )}
        <button type="button" className="btn-secondary ml-auto" aria-pressed={!live} onClick={() => setLive(!live)}>
          {live ? "Pause" : `Resume (every ${SCREEN_REFRESH_MS / 1000} s)`}
        </button>
      </div>
      {screen.isError && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          The screen could not be read: {(screen.error as Error).message}
        </p>
      )}
      {screen.data ? (
        <ScreenText text={screen.data.text} className="max-h-[36rem]" />
      ) : (
        !screen.isError && <div className="h-40 animate-pulse rounded-md bg-zinc-100 dark:bg-zinc-800" />
      )}
    </div>
  );
}
