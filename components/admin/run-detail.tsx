"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useRef } from "react";
import type { MaintenanceRunJson } from "@/lib/maintenance/run-maintenance";
import { api } from "../data/api";
import { maintenanceKeys } from "../data/query-keys";
import { personLabel } from "../ui/person-label";
import { RelativeTime } from "../ui/relative-time";
import { useToast } from "../ui/toast";
import { RunStatus } from "./run-status";

/** One maintenance run: status, parameters, progress, the live log (follows the end), abort. */
export function RunDetail({ initial, title }: { initial: MaintenanceRunJson; title: string }) {
  const toast = useToast();
  const logRef = useRef<HTMLPreElement>(null);
  const run = useQuery({
    queryKey: maintenanceKeys.run(initial.id),
    queryFn: async () => (await api<MaintenanceRunJson>(`/api/v1/admin/maintenance/runs/${initial.id}`)).body,
    initialData: initial,
    refetchInterval: (q) => (q.state.data?.status === "running" ? 1000 : false),
  });
  const abort = useMutation({
    mutationFn: () => api(`/api/v1/admin/maintenance/runs/${initial.id}/abort`, { method: "POST" }),
    onSuccess: () => toast("Abort requested; the run stops after its current step.", "info"),
    onError: (err) => toast(`Could not abort: ${(err as Error).message}`, "error"),
    onSettled: () => void run.refetch(),
  });
  const data = run.data;
  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [data.log]);
  return (
    <div className="flex flex-col gap-4" data-run-status={data.status}>
      <Link href="/admin/maintenance" className="text-sm text-zinc-600 hover:underline dark:text-zinc-400">
        ← Maintenance
      </Link>
      <header className="flex flex-wrap items-center gap-3">
        <h1 className="text-xl font-semibold">{title}</h1>
        <RunStatus status={data.status} />
        {data.status === "running" && (
          <button
            type="button"
            className="btn-danger ml-auto"
            disabled={abort.isPending || data.abortRequested}
            onClick={() => abort.mutate()}
          >
            {data.abortRequested ? "Aborting…" : "Abort"}
          </button>
        )}
      </header>
      <dl className="card grid grid-cols-[8rem_1fr] gap-y-1.5 p-4 text-sm">
        <dt className="text-zinc-600 dark:text-zinc-400">Started</dt>
        <dd>
          <RelativeTime iso={data.startedAt} /> by {personLabel(data.startedBy, data.startedByName)}
        </dd>
        <dt className="text-zinc-600 dark:text-zinc-400">Finished</dt>
        <dd>
          <RelativeTime iso={data.completedAt} />
        </dd>
        <dt className="text-zinc-600 dark:text-zinc-400">Parameters</dt>
        <dd className="font-mono text-xs">{JSON.stringify(data.params)}</dd>
        <dt className="text-zinc-600 dark:text-zinc-400">Progress</dt>
        <dd className="font-mono text-xs">{JSON.stringify(data.progress)}</dd>
      </dl>
      <section aria-labelledby="log-heading">
        <h2 id="log-heading" className="text-sm font-semibold">
          Log
        </h2>
        <pre
          ref={logRef}
          aria-label="Run log"
          tabIndex={0}
          className="mt-2 max-h-[28rem] overflow-auto rounded-md bg-zinc-950 p-3 font-mono text-xs text-zinc-100"
        >
          {data.log || "(nothing logged yet)"}
        </pre>
      </section>
    </div>
  );
}
