"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import type { MaintenanceOperationSpec } from "@/lib/maintenance/operation-spec";
import type { ResetAuthAllSummary } from "@/lib/maintenance/reset-auth-all";
import type { MaintenanceRunJson } from "@/lib/maintenance/run-maintenance";
import { api } from "../data/api";
import { maintenanceKeys } from "../data/query-keys";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { ErrorNote } from "../ui/error-note";
import { personLabel } from "../ui/person-label";
import { RelativeTime } from "../ui/relative-time";
import { TableHead } from "../ui/table-head";
import { useToast } from "../ui/toast";
import { RunStatus } from "./run-status";

/** An operation as the page gets it: what the form needs, not how it runs. */
export type OperationJson = Pick<MaintenanceOperationSpec, "key" | "title" | "description" | "category" | "params">;

/**
 * Admin maintenance: the Quick Action "Reset Auth — All Running Agents" (confirmation, live
 * progress, the per-agent summary inline), every operation with a form for its parameters, and
 * the run history. Runs update live from `maintenance.*` events.
 */
export function MaintenancePage({
  operations,
  initialRuns,
}: {
  operations: OperationJson[];
  initialRuns: MaintenanceRunJson[];
}) {
  const runs = useQuery({
    queryKey: maintenanceKeys.runs(),
    queryFn: async () =>
      (await api<{ items: MaintenanceRunJson[] }>("/api/v1/admin/maintenance/runs?limit=25")).body.items,
    initialData: initialRuns,
  }).data;
  return (
    <div className="flex flex-col gap-8">
      <ResetAllQuickAction />
      <section aria-labelledby="operations-heading">
        <h2 id="operations-heading" className="text-base font-semibold">
          Operations
        </h2>
        <ul className="mt-3 grid grid-cols-1 gap-3 md:grid-cols-2">
          {operations.map((op) => (
            <OperationCard key={op.key} op={op} />
          ))}
        </ul>
      </section>
      <section aria-labelledby="history-heading">
        <h2 id="history-heading" className="text-base font-semibold">
          Run history
        </h2>
        {runs.length === 0 ? (
          <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">No runs yet.</p>
        ) : (
          <div className="card mt-3 overflow-x-auto">
            <table className="w-full text-left text-sm">
              <TableHead columns={["Operation", "Status", "Started", "By"]} />
              <tbody>
                {runs.map((r) => (
                  <tr key={r.id} className="border-b border-zinc-100 last:border-0 dark:border-zinc-800">
                    <td className="px-3 py-2">
                      <Link href={`/admin/maintenance/runs/${r.id}`} className="font-medium hover:underline">
                        {operations.find((o) => o.key === r.operationKey)?.title ?? r.operationKey}
                      </Link>
                    </td>
                    <td className="px-3 py-2">
                      <RunStatus status={r.status} />
                    </td>
                    <td className="px-3 py-2">
                      <RelativeTime iso={r.startedAt} />
                    </td>
                    <td className="px-3 py-2 text-zinc-600 dark:text-zinc-400">
                      {personLabel(r.startedBy, r.startedByName)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function ResetAllQuickAction() {
  const toast = useToast();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [runId, setRunId] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: async () =>
      (
        await api<{ run: MaintenanceRunJson }>("/api/v1/admin/maintenance/operations/reset-auth-all/run", {
          method: "POST",
          json: {},
        })
      ).body.run,
    onSuccess: (run) => {
      setRunId(run.id);
      void queryClient.invalidateQueries({ queryKey: maintenanceKeys.all });
    },
    onError: (err) => toast(`Reset auth could not start: ${(err as Error).message}`, "error"),
  });
  const run = useQuery({
    queryKey: maintenanceKeys.run(runId ?? "none"),
    queryFn: async () => (await api<MaintenanceRunJson>(`/api/v1/admin/maintenance/runs/${runId}`)).body,
    enabled: runId !== null,
    refetchInterval: (q) => (q.state.data?.status === "running" || !q.state.data ? 1000 : false),
  }).data;
  const progress = (run?.progress ?? {}) as { total?: number; done?: number; succeeded?: number; failed?: number };
  const summary = run && run.status !== "running" ? (run.result as ResetAuthAllSummary | null) : null;
  return (
    <section aria-labelledby="quick-heading" className="card p-4">
      <h2 id="quick-heading" className="text-base font-semibold">
        Quick Actions
      </h2>
      <div className="mt-3 flex flex-wrap items-center gap-3">
        <button
          type="button"
          className="btn-danger"
          disabled={start.isPending || run?.status === "running"}
          onClick={() => setConfirming(true)}
        >
          Reset Auth — All Running Agents
        </button>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Revokes every running agent&apos;s token and hands it a new one.
        </p>
      </div>
      {run && (
        <div className="mt-4" data-run-status={run.status}>
          <div className="flex items-center gap-3 text-sm">
            <RunStatus status={run.status} />
            <span role="status">
              {progress.total === undefined
                ? "Starting…"
                : `${progress.done ?? 0} of ${progress.total} agents · ${progress.succeeded ?? 0} succeeded · ${progress.failed ?? 0} failed`}
            </span>
            <Link href={`/admin/maintenance/runs/${run.id}`} className="ml-auto underline">
              Run log
            </Link>
          </div>
          {progress.total ? (
            <progress
              className="mt-2 h-2 w-full"
              max={progress.total}
              value={progress.done ?? 0}
              aria-label="Reset auth progress"
            />
          ) : null}
          {summary?.results && (
            <ul aria-label="Reset auth results" className="mt-3 flex max-h-64 flex-col gap-1 overflow-y-auto text-sm">
              {summary.results.map((r) => (
                <li
                  key={r.agentId}
                  className={r.ok ? "text-green-800 dark:text-green-300" : "text-red-800 dark:text-red-300"}
                >
                  {r.ok ? "✓" : "✗"} {r.name}
                  {r.error ? ` — ${r.error}` : r.warning ? ` — ${r.warning}` : ""}
                </li>
              ))}
              {summary.results.length === 0 && (
                <li className="text-zinc-600 dark:text-zinc-400">No agents were running.</li>
              )}
            </ul>
          )}
        </div>
      )}
      <ConfirmDialog
        open={confirming}
        title="Reset auth for all running agents?"
        confirmLabel="Reset all"
        danger
        onConfirm={() => start.mutate()}
        onClose={() => setConfirming(false)}
      >
        Every running agent&apos;s current token stops working at once and its broker writes a new one. Agents whose
        broker cannot be reached need a restart.
      </ConfirmDialog>
    </section>
  );
}

function OperationCard({ op }: { op: OperationJson }) {
  const router = useRouter();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const run = useMutation({
    mutationFn: async (params: Record<string, number>) =>
      (
        await api<{ run: MaintenanceRunJson }>(`/api/v1/admin/maintenance/operations/${op.key}/run`, {
          method: "POST",
          json: { params },
        })
      ).body.run,
    onSuccess: (r) => {
      setError(null);
      toast(`${op.title}: started.`, "success");
      void queryClient.invalidateQueries({ queryKey: maintenanceKeys.all });
      router.push(`/admin/maintenance/runs/${r.id}`);
    },
    onError: (err) => setError((err as Error).message),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    run.mutate(Object.fromEntries(op.params.map((p) => [p.name, Number(form.get(p.name))])));
  };
  return (
    <li className="card p-4">
      <form onSubmit={submit} aria-label={op.title} className="flex h-full flex-col gap-3">
        <h3 className="font-medium">{op.title}</h3>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">{op.description}</p>
        {op.params.map((p) => (
          <label key={p.name} className="flex items-center justify-between gap-3 text-sm">
            {p.label}
            <input
              name={p.name}
              type="number"
              required
              min={p.min}
              max={p.max}
              defaultValue={p.default}
              className="input w-28"
            />
          </label>
        ))}
        {error && <ErrorNote>{error}</ErrorNote>}
        <div className="mt-auto flex justify-end">
          <button type="submit" className="btn-secondary" disabled={run.isPending}>
            Run
          </button>
        </div>
      </form>
    </li>
  );
}
