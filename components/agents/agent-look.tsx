"use client";

import { useState } from "react";
import type { AgentJson } from "@/lib/agents/schemas";
import { LogsPanel } from "./logs-panel";
import { ScreenPanel } from "./screen-panel";

/** The agent page's look without the terminal: a Screen tab (live) and a Logs tab (followed). */
export function AgentLook({ agent }: { agent: AgentJson }) {
  const [tab, setTab] = useState<"screen" | "logs">("screen");
  const tabs = [
    { id: "screen", label: "Screen" },
    { id: "logs", label: "Logs" },
  ] as const;
  return (
    <section className="card p-4" aria-label="Screen and logs">
      <div
        role="tablist"
        aria-label="Screen and logs"
        className="flex gap-1 border-b border-zinc-200 dark:border-zinc-800"
      >
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`look-tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`look-panel-${t.id}`}
            onClick={() => setTab(t.id)}
            className="-mb-px border-b-2 border-transparent px-3 py-1.5 text-sm font-medium text-zinc-600 hover:text-zinc-900 aria-selected:border-blue-700 aria-selected:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100 dark:aria-selected:text-zinc-100"
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`look-panel-${tab}`} aria-labelledby={`look-tab-${tab}`} className="mt-3">
        {tab === "screen" ? <ScreenPanel agent={agent} /> : <LogsPanel agentId={agent.id} />}
      </div>
    </section>
  );
}
