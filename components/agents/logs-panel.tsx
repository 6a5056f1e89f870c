"use client";

import { useEffect, useRef, useState } from "react";
import type { LogLine } from "@/lib/agents/agent-logs";

/** Lines kept on the page; older ones drop off the top. */
const KEEP_LINES = 2000;
const TAIL = 200;

/**
 * The agent page's Logs tab: the shim's log and the harness's output, the last 200 lines and then
 * live (GET /agents/{id}/logs?follow=true, Server-Sent Events) while the tab is open; the browser
 * reconnects by itself if the stream drops. Filter by source; follows the bottom unless scrolled up.
 */
export function LogsPanel({ agentId }: { agentId: string }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [source, setSource] = useState<"all" | LogLine["source"]>("all");
  const [state, setState] = useState<"connecting" | "live" | "ended" | "error">("connecting");
  const box = useRef<HTMLPreElement>(null);
  const atBottom = useRef(true);

  useEffect(() => {
    const es = new EventSource(`/api/v1/agents/${agentId}/logs?follow=true&tail=${TAIL}&source=${source}`);
    let fresh = true;
    es.onopen = () => setState("live");
    es.addEventListener("line", (e) => {
      const line = JSON.parse((e as MessageEvent<string>).data) as LogLine;
      // A reconnect sends the tail again: start over rather than repeat it.
      if (fresh) {
        fresh = false;
        setLines([line]);
      } else setLines((prev) => [...prev, line].slice(-KEEP_LINES));
    });
    es.addEventListener("end", () => {
      setState("ended");
      es.close();
    });
    es.onerror = () => {
      fresh = true;
      setState(es.readyState === EventSource.CLOSED ? "error" : "connecting");
    };
    return () => es.close();
  }, [agentId, source]);

  useEffect(() => {
    const el = box.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap items-center gap-2 text-xs">
        <label className="flex items-center gap-1">
          Source
          <select
            className="input py-0.5 text-xs"
            value={source}
            onChange={(e) => {
              setSource(e.target.value as typeof source);
              setLines([]);
              setState("connecting");
            }}
          >
            <option value="all">Shim and harness</option>
            <option value="harness">Harness output</option>
            <option value="shim">Shim log</option>
          </select>
        </label>
        <span className="ml-auto text-zinc-600 dark:text-zinc-400" data-logs-state={state}>
          {state === "live"
            ? "● live"
            : state === "connecting"
              ? "connecting…"
              : state === "ended"
                ? "ended"
                : "unavailable"}
        </span>
      </div>
      <pre
        ref={box}
        data-logs
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
        className="max-h-[36rem] min-h-40 overflow-auto rounded-md bg-zinc-950 p-3 font-mono text-xs leading-4 text-zinc-100"
      >
        {lines.length === 0 && <span className="text-zinc-500">No log lines yet.</span>}
        {lines.map((l, i) => (
          <div key={i} className={l.source === "shim" ? "text-sky-300" : undefined}>
            {source === "all" && (
              <span className="select-none text-zinc-500">{l.source === "shim" ? "shim " : "     "}</span>
            )}
            {l.text}
          </div>
        ))}
      </pre>
    </div>
  );
}
