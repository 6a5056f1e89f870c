"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { api } from "../data/api";
import { messageKeys } from "../data/query-keys";
import type { BroadcastResult } from "../templates/types";
import { ErrorNote } from "../ui/error-note";
import { TableHead } from "../ui/table-head";

const STATUS_TEXT = { delivered: "Delivered", queued: "Queued", failed: "Failed" } as const;

/** Broadcast: one message to every running agent of the project, with what became of each. */
export function ProjectBroadcast({ projectId }: { projectId: string }) {
  const queryClient = useQueryClient();
  const [body, setBody] = useState("");
  const [interrupt, setInterrupt] = useState(false);
  const send = useMutation({
    mutationFn: async (v: { body: string; interrupt: boolean }) =>
      (await api<BroadcastResult>(`/api/v1/projects/${projectId}/broadcast`, { method: "POST", json: v })).body,
    onSuccess: () => setBody(""),
    onSettled: () => queryClient.invalidateQueries({ queryKey: messageKeys.all }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (body.trim()) send.mutate({ body, interrupt });
  };
  const result = send.data;
  return (
    <section aria-labelledby="broadcast-heading" className="card flex flex-col gap-3 p-4">
      <h2 id="broadcast-heading" className="text-base font-semibold">
        Broadcast
      </h2>
      <form onSubmit={submit} aria-label="Broadcast" className="flex flex-col gap-2">
        <label className="flex flex-col gap-1 text-sm">
          Message to every running agent
          <textarea
            value={body}
            onChange={(e) => setBody(e.target.value)}
            rows={2}
            maxLength={65536}
            className="input"
          />
        </label>
        <div className="flex flex-wrap items-center gap-3">
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={interrupt} onChange={(e) => setInterrupt(e.target.checked)} /> Interrupt
            their current turn first
          </label>
          <button type="submit" className="btn-primary ml-auto" disabled={send.isPending || !body.trim()}>
            {send.isPending ? "Sending…" : "Send to all"}
          </button>
        </div>
      </form>
      {send.isError && <ErrorNote>The broadcast was not sent: {send.error.message}</ErrorNote>}
      {result && (
        <div role="status" className="flex flex-col gap-2 text-sm">
          <p>
            {result.total === 0
              ? "No running agent to send it to."
              : `Sent to ${result.total} agent${result.total === 1 ? "" : "s"}: ${result.delivered} delivered, ${result.queued} queued, ${result.failed} failed.`}
          </p>
          {result.results.length > 0 && (
            <table className="w-full text-left text-sm" aria-label="Broadcast results">
              <TableHead columns={["Agent", "Result", "Error"]} />
              <tbody>
                {result.results.map((r) => (
                  <tr
                    key={r.agentId}
                    data-result={r.status}
                    className="border-b border-zinc-100 last:border-0 dark:border-zinc-800"
                  >
                    <td className="px-3 py-2">
                      <Link href={`/agents/${r.agentId}`} className="font-medium hover:underline">
                        {r.name}
                      </Link>
                    </td>
                    <td className="px-3 py-2">{STATUS_TEXT[r.status]}</td>
                    <td className="px-3 py-2 text-zinc-600 dark:text-zinc-400">{r.error ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}
