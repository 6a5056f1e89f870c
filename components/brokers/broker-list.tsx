"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { BrokerJson } from "@/lib/brokers/schemas";
import { api } from "../data/api";
import { brokerKeys } from "../data/query-keys";
import { RelativeTime } from "../ui/relative-time";
import { ErrorNote } from "../ui/error-note";
import { Modal } from "../ui/modal";
import { StatusBadge } from "../ui/status-badge";
import { TableHead } from "../ui/table-head";

const STATUS = {
  online: { label: "Online", tone: "green", pulse: false },
  offline: { label: "Offline", tone: "grey", pulse: false },
  pending: { label: "Waiting to join", tone: "amber", pulse: true },
} as const;

/** The runtime brokers, live: status, last heartbeat, agents, ports in use; admins register new ones. */
export function BrokerList({ initial, hubUrl, isAdmin }: { initial: BrokerJson[]; hubUrl: string; isAdmin: boolean }) {
  const [registering, setRegistering] = useState(false);
  const brokers = useQuery({
    queryKey: brokerKeys.list(),
    queryFn: async () => (await api<{ items: BrokerJson[] }>("/api/v1/runtime-brokers?limit=500")).body.items,
    initialData: initial,
  }).data;
  return (
    <section aria-labelledby="brokers-heading">
      <div className="flex items-center gap-3">
        <h1 id="brokers-heading" className="text-xl font-semibold">
          Brokers
        </h1>
        {isAdmin && (
          <button type="button" className="btn-primary ml-auto" onClick={() => setRegistering(true)}>
            Register broker
          </button>
        )}
      </div>
      {brokers.length === 0 ? (
        <div className="mt-4 rounded-lg border border-dashed border-zinc-300 p-10 text-center dark:border-zinc-700">
          <h2 className="font-medium">No brokers yet</h2>
          <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
            A broker runs agents on its machine.{" "}
            {isAdmin ? "Register one to get its join command." : "Ask an administrator to register one."}
          </p>
        </div>
      ) : (
        <div className="card mt-4 overflow-x-auto">
          <table className="w-full text-left text-sm">
            <TableHead
              columns={[
                "Name",
                "Status",
                "Host",
                "Last heartbeat",
                { label: "Agents", className: "text-right" },
                { label: "Ports in use", className: "text-right" },
              ]}
            />
            <tbody>
              {brokers.map((b) => (
                <tr
                  key={b.id}
                  data-broker={b.slug}
                  className="border-b border-zinc-100 last:border-0 dark:border-zinc-800"
                >
                  <td className="px-3 py-2 font-medium">{b.name}</td>
                  <td className="px-3 py-2">
                    <StatusBadge status={STATUS[b.status]} />
                  </td>
                  <td className="px-3 py-2 text-zinc-700 dark:text-zinc-300">{b.hostname ?? "—"}</td>
                  <td className="px-3 py-2 text-zinc-700 dark:text-zinc-300">
                    <RelativeTime iso={b.lastHeartbeat} />
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums">
                    {b.runningAgents} running · {b.agentCount} placed
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums">
                    {b.portsInUse} of {rangeSize(b.portRange)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {isAdmin && <RegisterBrokerDialog open={registering} onClose={() => setRegistering(false)} hubUrl={hubUrl} />}
    </section>
  );
}

function rangeSize(range: string): number {
  const [a, b] = range.split("-").map(Number);
  return a && b ? b - a + 1 : 0;
}

function RegisterBrokerDialog({ open, onClose, hubUrl }: { open: boolean; onClose: () => void; hubUrl: string }) {
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const register = useMutation({
    mutationFn: async (name: string) =>
      (
        await api<{ broker: BrokerJson; joinToken: string; expiresAt: string }>("/api/v1/runtime-brokers", {
          method: "POST",
          json: { name },
        })
      ).body,
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: brokerKeys.all }),
    onError: (err) => setError((err as Error).message),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    register.mutate(String(new FormData(e.currentTarget).get("name") ?? "").trim());
  };
  const done = register.data;
  const command = done
    ? `SCION_HUB_URLS=${hubUrl} SCION_JOIN_TOKEN=${done.joinToken} SCION_BROKER_NAME=${JSON.stringify(done.broker.name)} npm run broker`
    : "";
  return (
    <Modal
      open={open}
      onClose={onClose}
      onOpen={() => {
        register.reset();
        setError(null);
      }}
      labelledBy="register-title"
      width="max-w-xl"
    >
      <div className="flex flex-col gap-4 p-5">
        <h2 id="register-title" className="text-base font-semibold">
          Register broker
        </h2>
        {!done ? (
          <form onSubmit={submit} className="flex flex-col gap-4">
            <label className="flex flex-col gap-1 text-sm">
              Name
              <input name="name" required maxLength={63} className="input" autoFocus />
            </label>
            {error && <ErrorNote>{error}</ErrorNote>}
            <div className="flex justify-end gap-2">
              <button type="button" className="btn-secondary" onClick={onClose}>
                Cancel
              </button>
              <button type="submit" className="btn-primary" disabled={register.isPending}>
                Register
              </button>
            </div>
          </form>
        ) : (
          <>
            <p className="text-sm">
              Run this on the broker&apos;s machine (in a checkout of Scion Hub). The join token works once and expires{" "}
              <RelativeTimeUntil iso={done.expiresAt} />; it is shown only now.
            </p>
            <pre
              aria-label="Join command"
              className="overflow-x-auto whitespace-pre-wrap break-all rounded-md bg-zinc-100 p-3 font-mono text-xs dark:bg-zinc-800"
            >
              {command}
            </pre>
            <div className="flex justify-end gap-2">
              <button
                type="button"
                className="btn-secondary"
                onClick={() => void navigator.clipboard?.writeText(command)}
              >
                Copy
              </button>
              <button type="button" className="btn-primary" onClick={onClose}>
                Done
              </button>
            </div>
          </>
        )}
      </div>
    </Modal>
  );
}

function RelativeTimeUntil({ iso }: { iso: string }) {
  return <time dateTime={iso}>at {new Date(iso).toLocaleTimeString()}</time>;
}
