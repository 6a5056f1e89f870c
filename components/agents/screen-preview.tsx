"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { AgentScreenJson } from "@/lib/agents/agent-screen";
import type { AgentJson } from "@/lib/agents/schemas";
import { api } from "../data/api";
import { screenKeys } from "../data/query-keys";

/** How often an open screen is fetched again. */
export const SCREEN_REFRESH_MS = 2000;

/** Whether the page is shown: nothing is fetched for a tab in the background. */
function usePageVisible(): boolean {
  const [visible, setVisible] = useState(true);
  useEffect(() => {
    const update = () => setVisible(document.visibilityState !== "hidden");
    update();
    document.addEventListener("visibilitychange", update);
    return () => document.removeEventListener("visibilitychange", update);
  }, []);
  return visible;
}

/**
 * An agent's screen (GET /agents/{id}/screen, plain text), fetched while `enabled` and the agent
 * runs, and again every SCREEN_REFRESH_MS while the page is shown and `live`.
 */
export function useAgentScreen(agent: Pick<AgentJson, "id" | "phase">, { enabled = true, live = true } = {}) {
  const visible = usePageVisible();
  const running = agent.phase === "running";
  return useQuery({
    queryKey: screenKeys.of(agent.id),
    queryFn: async () => (await api<AgentScreenJson>(`/api/v1/agents/${agent.id}/screen`)).body,
    enabled: enabled && running,
    refetchInterval: live && visible ? SCREEN_REFRESH_MS : false,
    retry: false,
  });
}

/** A screen's text in a terminal-like box; trailing blank lines dropped. */
export function ScreenText({ text, className = "" }: { text: string; className?: string }) {
  return (
    <pre
      data-screen
      tabIndex={0}
      className={`overflow-auto rounded-md bg-zinc-950 p-3 font-mono text-xs leading-4 text-zinc-100 ${className}`}
    >
      {text.replace(/\s+$/, "")}
    </pre>
  );
}

/**
 * The agent list's look at one agent: a toggle that opens its screen below the row (or in the
 * card), refreshed while open. Hovering the toggle opens it too, and leaving closes it again
 * unless it was opened by a click.
 */
export function ScreenPreviewToggle({
  agent,
  open,
  onOpen,
}: {
  agent: Pick<AgentJson, "id" | "name" | "phase">;
  open: "hover" | "pinned" | null;
  onOpen: (mode: "hover" | "pinned" | null) => void;
}) {
  if (agent.phase !== "running") return null;
  return (
    <button
      type="button"
      aria-expanded={open !== null}
      aria-label={`Preview the screen of ${agent.name}`}
      title="Preview screen"
      onClick={() => onOpen(open === "pinned" ? null : "pinned")}
      onMouseEnter={() => open === null && onOpen("hover")}
      onMouseLeave={() => open === "hover" && onOpen(null)}
      className="ml-2 rounded px-1.5 py-0.5 text-xs text-zinc-600 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-blue-600 dark:text-zinc-300 dark:hover:bg-zinc-800"
    >
      {open ? "▾ screen" : "▸ screen"}
    </button>
  );
}

/** The preview itself (under the row or in the card): the last lines of the screen. */
export function ScreenPreview({
  agent,
  lines = 16,
}: {
  agent: Pick<AgentJson, "id" | "name" | "phase">;
  lines?: number;
}) {
  const screen = useAgentScreen(agent);
  const text = screen.data?.text.replace(/\s+$/, "") ?? "";
  return (
    <div role="region" aria-label={`Screen of ${agent.name}`} data-screen-preview={agent.id}>
      {screen.isError && <p className="text-xs text-red-700 dark:text-red-300">{(screen.error as Error).message}</p>}
      {!screen.data && !screen.isError && <p className="text-xs text-zinc-500">Loading the screen…</p>}
      {screen.data && <ScreenText text={text.split("\n").slice(-lines).join("\n")} className="max-h-72" />}
    </div>
  );
}

/** The grid's look at one agent: a disclosure whose screen is fetched only while it is open. */
export function ScreenDisclosure({ agent }: { agent: Pick<AgentJson, "id" | "name" | "phase"> }) {
  const [open, setOpen] = useState(false);
  if (agent.phase !== "running") return null;
  return (
    <details className="text-xs" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary className="cursor-pointer text-zinc-600 dark:text-zinc-400">Screen</summary>
      {open && <ScreenPreview agent={agent} lines={10} />}
    </details>
  );
}
