"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { ScheduleJson, ScheduleRunJson } from "@/lib/schedules/schemas";
import { api, describeError } from "../data/api";
import { scheduleKeys } from "../data/query-keys";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { RelativeTime } from "../ui/relative-time";
import { useToast } from "../ui/toast";

type Choice = { id: string; name: string };

/** When a schedule runs, in words. */
function when(s: ScheduleJson): string {
  if (s.cron) return `cron ${s.cron} (${s.timeZone})`;
  return s.runAt ? `once, ${new Date(s.runAt).toLocaleString()}` : "once";
}

/**
 * Schedules: messages, starts and stops of agents at a time (once) or on a cron (in a time zone).
 * A list with the next run, pause/resume, delete (confirmed) and each schedule's runs, kept live
 * by the event stream; a form for a new one, defaulting to the browser's time zone.
 */
export function SchedulesPage({ initial, agents }: { initial: ScheduleJson[]; agents: Choice[] }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const list = useQuery({
    queryKey: scheduleKeys.list(),
    queryFn: async () => (await api<{ items: ScheduleJson[] }>("/api/v1/schedules")).body.items,
    initialData: initial,
  }).data;
  const refresh = () => queryClient.invalidateQueries({ queryKey: scheduleKeys.all });
  const patch = useMutation({
    mutationFn: ({ id, paused }: { id: string; paused: boolean }) =>
      api(`/api/v1/schedules/${id}`, { method: "PATCH", json: { paused } }),
    onError: (err) => toast(`The schedule was not changed: ${describeError(err)}`, "error"),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (id: string) => api(`/api/v1/schedules/${id}`, { method: "DELETE" }),
    onSuccess: () => toast("Schedule deleted.", "success"),
    onError: (err) => toast(`The schedule was not deleted: ${describeError(err)}`, "error"),
    onSettled: refresh,
  });
  const [deleting, setDeleting] = useState<ScheduleJson | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <div className="flex flex-col gap-8">
      <div>
        <h1 className="text-xl font-semibold">Schedules</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Send an agent a message, start it or stop it at a time, or on a cron in your time zone. Each run happens once,
          whichever hub replica runs it.
        </p>
      </div>
      <NewSchedule agents={agents} onCreated={refresh} />
      <section aria-labelledby="schedules-heading" className="card overflow-x-auto">
        <h2 id="schedules-heading" className="px-4 pt-4 text-sm font-semibold">
          Your schedules
        </h2>
        {list.length === 0 ? (
          <p className="p-4 text-sm text-zinc-600 dark:text-zinc-400">No schedules yet.</p>
        ) : (
          <table className="mt-2 w-full text-sm">
            <thead className="text-left text-xs text-zinc-600 dark:text-zinc-400">
              <tr>
                <th className="px-4 py-2 font-medium">Name</th>
                <th className="px-4 py-2 font-medium">Agent</th>
                <th className="px-4 py-2 font-medium">What</th>
                <th className="px-4 py-2 font-medium">When</th>
                <th className="px-4 py-2 font-medium">Next run</th>
                <th className="px-4 py-2 font-medium">Last run</th>
                <th className="px-4 py-2 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((s) => (
                <ScheduleRow
                  key={s.id}
                  s={s}
                  expanded={open === s.id}
                  onToggle={() => setOpen(open === s.id ? null : s.id)}
                  onPause={() => patch.mutate({ id: s.id, paused: !s.paused })}
                  onDelete={() => setDeleting(s)}
                />
              ))}
            </tbody>
          </table>
        )}
      </section>
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete the schedule ${deleting?.name ?? ""}?`}
        confirmLabel="Delete schedule"
        danger
        onConfirm={() => deleting && remove.mutate(deleting.id)}
        onClose={() => setDeleting(null)}
      >
        Its runs are deleted with it.
      </ConfirmDialog>
    </div>
  );
}

function ScheduleRow({
  s,
  expanded,
  onToggle,
  onPause,
  onDelete,
}: {
  s: ScheduleJson;
  expanded: boolean;
  onToggle: () => void;
  onPause: () => void;
  onDelete: () => void;
}) {
  return (
    <>
      <tr data-schedule={s.name} className="border-t border-zinc-200 dark:border-zinc-800">
        <td className="px-4 py-2 font-medium">{s.name}</td>
        <td className="px-4 py-2">
          <a className="underline" href={`/agents/${s.agentId}`}>
            {s.agentName}
          </a>
        </td>
        <td className="px-4 py-2">{s.action === "message" ? `message “${s.body ?? ""}”` : s.action}</td>
        <td className="px-4 py-2">{when(s)}</td>
        <td className="px-4 py-2" data-next-run>
          {s.paused ? "paused" : s.nextRunAt ? <RelativeTime iso={s.nextRunAt} /> : "done"}
        </td>
        <td
          className="px-4 py-2"
          data-last-run={s.lastRun ? (s.lastRun.ok ? "ok" : s.lastRun.ok === false ? "failed" : "running") : "none"}
        >
          {s.lastRun ? (
            <>
              {s.lastRun.ok ? "ok" : s.lastRun.ok === false ? "failed" : "running"} ·{" "}
              <RelativeTime iso={s.lastRun.startedAt} />
            </>
          ) : (
            "—"
          )}
        </td>
        <td className="flex gap-2 px-4 py-2">
          <button type="button" className="btn-secondary" onClick={onToggle} aria-expanded={expanded}>
            Runs
          </button>
          {(s.cron || s.nextRunAt) && (
            <button type="button" className="btn-secondary" onClick={onPause}>
              {s.paused ? "Resume" : "Pause"}
            </button>
          )}
          <button type="button" className="btn-danger" onClick={onDelete} aria-label={`Delete ${s.name}`}>
            Delete
          </button>
        </td>
      </tr>
      {expanded && (
        <tr>
          <td colSpan={7} className="px-4 pb-3">
            <Runs id={s.id} />
          </td>
        </tr>
      )}
    </>
  );
}

function Runs({ id }: { id: string }) {
  const runs = useQuery({
    queryKey: scheduleKeys.runs(id),
    queryFn: async () => (await api<{ items: ScheduleRunJson[] }>(`/api/v1/schedules/${id}/runs`)).body.items,
  });
  if (runs.isError) return <p role="alert">The runs could not be loaded: {runs.error.message}</p>;
  if (!runs.data) return <p className="text-xs">Loading…</p>;
  if (runs.data.length === 0) return <p className="text-xs text-zinc-600 dark:text-zinc-400">It has not run yet.</p>;
  return (
    <ul aria-label="Runs" className="flex flex-col gap-1 text-xs">
      {runs.data.map((r) => (
        <li key={r.id} data-run={r.ok ? "ok" : r.ok === false ? "failed" : "running"}>
          {new Date(r.scheduledFor).toLocaleString()}:{" "}
          {r.ok ? "ok" : r.ok === false ? `failed — ${r.error}` : "running"}
        </li>
      ))}
    </ul>
  );
}

/** The form: agent, action, message, and once (date and time) or cron plus time zone. */
function NewSchedule({ agents, onCreated }: { agents: Choice[]; onCreated: () => void }) {
  const toast = useToast();
  const browserZone = typeof Intl !== "undefined" ? Intl.DateTimeFormat().resolvedOptions().timeZone : "UTC";
  const [form, setForm] = useState({
    name: "",
    agentId: agents[0]?.id ?? "",
    action: "message",
    body: "",
    kind: "once",
    runAt: "",
    cron: "0 9 * * 1-5",
    timeZone: browserZone,
  });
  const [error, setError] = useState<string | null>(null);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const create = useMutation({
    mutationFn: () =>
      api("/api/v1/schedules", {
        method: "POST",
        json: {
          name: form.name,
          agentId: form.agentId,
          action: form.action,
          ...(form.action === "message" && { body: form.body }),
          ...(form.kind === "once"
            ? { runAt: form.runAt ? new Date(form.runAt).toISOString() : "" }
            : { cron: form.cron, timeZone: form.timeZone }),
        },
      }),
    onSuccess: () => {
      setError(null);
      setForm({ ...form, name: "", body: "" });
      toast("Schedule created.", "success");
      onCreated();
    },
    onError: (err) => setError(describeError(err)),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  if (agents.length === 0)
    return <p className="text-sm text-zinc-600 dark:text-zinc-400">You have no agents to schedule yet.</p>;
  return (
    <form onSubmit={submit} className="card grid max-w-2xl gap-3 p-4 text-sm sm:grid-cols-2" aria-label="New schedule">
      <h2 className="text-sm font-semibold sm:col-span-2">New schedule</h2>
      <label className="flex flex-col gap-1">
        Name
        <input className="input" required maxLength={100} value={form.name} onChange={set("name")} />
      </label>
      <label className="flex flex-col gap-1">
        Agent
        <select className="input" value={form.agentId} onChange={set("agentId")}>
          {agents.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
      </label>
      <label className="flex flex-col gap-1">
        Action
        <select className="input" value={form.action} onChange={set("action")}>
          <option value="message">Send a message</option>
          <option value="start">Start it</option>
          <option value="stop">Stop it</option>
        </select>
      </label>
      {form.action === "message" ? (
        <label className="flex flex-col gap-1">
          Message
          <input className="input" required value={form.body} onChange={set("body")} />
        </label>
      ) : (
        <span />
      )}
      <fieldset className="flex gap-4 sm:col-span-2">
        <legend className="mb-1">When</legend>
        <label className="flex items-center gap-1">
          <input type="radio" name="kind" value="once" checked={form.kind === "once"} onChange={set("kind")} /> Once
        </label>
        <label className="flex items-center gap-1">
          <input type="radio" name="kind" value="cron" checked={form.kind === "cron"} onChange={set("kind")} /> Repeat
          (cron)
        </label>
      </fieldset>
      {form.kind === "once" ? (
        <label className="flex flex-col gap-1">
          Date and time
          <input className="input" type="datetime-local" step={1} required value={form.runAt} onChange={set("runAt")} />
        </label>
      ) : (
        <>
          <label className="flex flex-col gap-1">
            Cron (minute hour day month weekday)
            <input className="input" required value={form.cron} onChange={set("cron")} />
          </label>
          <label className="flex flex-col gap-1">
            Time zone
            <input className="input" required value={form.timeZone} onChange={set("timeZone")} />
          </label>
        </>
      )}
      {error && (
        <p role="alert" className="text-red-700 sm:col-span-2 dark:text-red-300">
          {error}
        </p>
      )}
      <div className="sm:col-span-2">
        <button type="submit" className="btn-primary" disabled={create.isPending}>
          Create schedule
        </button>
      </div>
    </form>
  );
}
