"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { BulkSummary } from "@/lib/agents/bulk-agents";
import { agentKeys } from "../../data/query-keys";
import { Modal } from "../../ui/modal";
import { useToast } from "../../ui/toast";
import { idsMatching, MATCH_LIMIT, previewBulk, runBulk, type BulkProgress, type BulkRequest } from "./run-bulk";
import type { AgentSelection } from "./use-agent-selection";

type Action = BulkRequest["action"];
const VERB: Record<Action, { label: string; past: string }> = {
  stop: { label: "Stop", past: "stopped" },
  restart: { label: "Restart", past: "restarted" },
  delete: { label: "Delete", past: "deleted" },
  message: { label: "Message", past: "messaged" },
};
const plural = (n: number) => `${n} agent${n === 1 ? "" : "s"}`;

/** What the bar is about to do, waiting for the person's yes. */
type Pending = { action: Action; request: BulkRequest; count: number; what: string };

/**
 * The agent list's bulk actions: with agents selected, Stop, Restart, Delete and Message them
 * (a confirmation names the count; Message asks for the text); "Select all matching" picks every
 * agent the list's filter matches, on every page; "Stop all" stops every running agent the person
 * may act on (an admin: hub-wide; a member: their own; within the project on a project's page).
 * While it runs a progress bar fills as each agent's result arrives; then the results are listed.
 */
export function BulkActionBar({
  selection,
  params,
  projectId,
}: {
  selection: AgentSelection;
  /** The list's query (its filter and search), for "select all matching". */
  params: Record<string, string>;
  projectId?: string;
}) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [pending, setPending] = useState<Pending | null>(null);
  const [text, setText] = useState("");
  const [progress, setProgress] = useState<BulkProgress | null>(null);
  const [summary, setSummary] = useState<BulkSummary | null>(null);
  const [busy, setBusy] = useState(false);
  const count = selection.selected.size;

  const ask = (action: Action) =>
    setPending({ action, request: { action, ids: [...selection.selected] }, count, what: plural(count) });

  const askStopAll = async () => {
    setBusy(true);
    try {
      const request: BulkRequest = { action: "stop", filter: { phase: "running", ...(projectId && { projectId }) } };
      // The hub counts what the stop would touch (an admin: every running agent; anyone else:
      // their own), so the confirmation names the agents the call will stop, not all they can see.
      const preview = await previewBulk(request);
      setPending({
        action: "stop",
        request,
        count: preview.succeeded,
        what: `${plural(preview.succeeded)} running${projectId ? " in this project" : ""}`,
      });
    } catch (err) {
      toast(`Could not count the running agents: ${(err as Error).message}`, "error");
    } finally {
      setBusy(false);
    }
  };

  const selectAllMatching = async () => {
    setBusy(true);
    try {
      const { ids, more } = await idsMatching(params);
      selection.replace(ids);
      if (more) toast(`Selected the first ${MATCH_LIMIT} matching agents.`, "info");
    } catch (err) {
      toast(`Could not list the matching agents: ${(err as Error).message}`, "error");
    } finally {
      setBusy(false);
    }
  };

  const run = async (p: Pending) => {
    const request: BulkRequest = p.action === "message" ? { ...p.request, body: text } : p.request;
    setBusy(true);
    setSummary(null);
    setProgress({ total: p.count, done: 0, succeeded: 0, failed: 0 });
    try {
      const result = await runBulk(request, setProgress);
      setSummary(result);
      if (p.action === "delete") selection.clear();
    } catch (err) {
      toast(`Could not ${VERB[p.action].label.toLowerCase()} the agents: ${(err as Error).message}`, "error");
      setProgress(null);
    } finally {
      setBusy(false);
      setText("");
      void queryClient.invalidateQueries({ queryKey: agentKeys.all });
    }
  };

  return (
    <div className="mt-3 flex flex-col gap-2">
      <div
        role="toolbar"
        aria-label="Bulk actions"
        className="flex flex-wrap items-center gap-2 rounded-md border border-zinc-200 px-3 py-2 text-sm dark:border-zinc-800"
      >
        <span data-selected-count={count} className="font-medium">
          {count === 0 ? "No agents selected" : `${plural(count)} selected`}
        </span>
        <button
          type="button"
          className="text-blue-700 underline disabled:opacity-50 dark:text-blue-400"
          disabled={busy}
          onClick={() => void selectAllMatching()}
        >
          Select all matching
        </button>
        {count > 0 && (
          <button type="button" className="text-zinc-600 underline dark:text-zinc-400" onClick={selection.clear}>
            Clear
          </button>
        )}
        <div className="ml-auto flex flex-wrap gap-2">
          {(["stop", "restart", "delete", "message"] as const).map((action) => (
            <button
              key={action}
              type="button"
              className={action === "delete" ? "btn-danger" : "btn-secondary"}
              disabled={busy || count === 0}
              onClick={() => ask(action)}
            >
              {VERB[action].label}
            </button>
          ))}
          <button type="button" className="btn-secondary" disabled={busy} onClick={() => void askStopAll()}>
            Stop all
          </button>
        </div>
      </div>
      {progress && (
        <BulkProgressView progress={progress} summary={summary} onClose={() => (setProgress(null), setSummary(null))} />
      )}
      <Modal open={pending !== null} onClose={() => setPending(null)} labelledBy="bulk-confirm-title" width="max-w-md">
        {pending && (
          <form
            className="p-5"
            onSubmit={(e) => {
              e.preventDefault();
              const p = pending;
              setPending(null);
              void run(p);
            }}
          >
            <h2 id="bulk-confirm-title" className="text-base font-semibold">
              {VERB[pending.action].label} {pending.what}?
            </h2>
            <p className="mt-2 text-sm text-zinc-700 dark:text-zinc-300">
              {pending.action === "delete"
                ? "Their workspaces are removed; this cannot be undone. "
                : pending.action === "message"
                  ? "The message is typed into each agent's session (or delivered when it next runs). "
                  : ""}
              Agents you may not act on are reported and left alone.
            </p>
            {pending.action === "message" && (
              <label className="mt-3 flex flex-col gap-1 text-sm">
                Message
                <textarea
                  required
                  className="input min-h-24"
                  value={text}
                  onChange={(e) => setText(e.target.value)}
                  maxLength={65_536}
                />
              </label>
            )}
            <div className="mt-5 flex justify-end gap-2">
              <button type="button" className="btn-secondary" onClick={() => setPending(null)}>
                Cancel
              </button>
              <button type="submit" className={pending.action === "delete" ? "btn-danger" : "btn-primary"}>
                {VERB[pending.action].label} {plural(pending.count)}
              </button>
            </div>
          </form>
        )}
      </Modal>
    </div>
  );
}

/** The progress bar while a bulk action runs, then its results (failures first). */
function BulkProgressView({
  progress,
  summary,
  onClose,
}: {
  progress: BulkProgress;
  summary: BulkSummary | null;
  onClose: () => void;
}) {
  const pct = progress.total ? Math.round((progress.done / progress.total) * 100) : 100;
  const results = summary ? [...summary.results].sort((a, b) => Number(a.ok) - Number(b.ok)) : [];
  return (
    <div className="card p-3 text-sm" aria-live="polite" data-bulk-results={summary ? "done" : "running"}>
      <div className="flex items-center gap-3">
        <span>
          {summary
            ? `${VERB[summary.action].past[0]!.toUpperCase()}${VERB[summary.action].past.slice(1)} ${summary.succeeded} of ${summary.total}${summary.failed ? `; ${summary.failed} failed` : ""}`
            : `${progress.done} of ${progress.total} done`}
        </span>
        <div
          role="progressbar"
          aria-label="Bulk action progress"
          aria-valuemin={0}
          aria-valuemax={progress.total}
          aria-valuenow={progress.done}
          className="h-2 flex-1 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800"
        >
          <div className="h-full bg-blue-700 transition-all" style={{ width: `${pct}%` }} />
        </div>
        {summary && (
          <button type="button" className="text-zinc-600 underline dark:text-zinc-400" onClick={onClose}>
            Dismiss
          </button>
        )}
      </div>
      {summary && results.length > 0 && (
        <ul className="mt-2 max-h-48 overflow-auto">
          {results.map((r) => (
            <li key={r.agentId} data-bulk-result={r.ok ? "ok" : "failed"} className="flex gap-2">
              <span className={r.ok ? "text-green-700 dark:text-green-400" : "text-red-700 dark:text-red-400"}>
                {r.ok ? (r.pending ? "…" : "✓") : "✗"}
              </span>
              <span className="font-medium">{r.name ?? r.agentId}</span>
              {r.error && <span className="text-zinc-600 dark:text-zinc-400">{r.error}</span>}
              {r.pending && <span className="text-zinc-600 dark:text-zinc-400">still on its way</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
