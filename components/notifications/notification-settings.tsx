"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, useSyncExternalStore, type FormEvent } from "react";
import type { ChannelJson, ChannelTestResult } from "@/lib/notifications/schemas";
import { api, describeError } from "../data/api";
import { BROWSER_NOTIFICATIONS_KEY } from "../events/browser-notifications";
import { useToast } from "../ui/toast";
import { noSubscription } from "../ui/use-hydrated";

type Choice = { id: string; name: string };
type Sub = { scope: string; targetId: string | null; events: string[] };
const KINDS: Array<[string, string]> = [
  ["waiting_for_input", "Waiting for input"],
  ["completed", "Completed"],
  ["error", "Error"],
  ["stalled", "Stalled"],
  ["limits_exceeded", "Limits exceeded"],
  ["message", "A message from the agent"],
];
const channelKey = ["notification-channels"] as const;

/**
 * Notification settings: the channels (webhooks, email) with their state, a test button each, a
 * form to add one (a webhook's signing secret is shown once); what to be told of (subscriptions:
 * my agents, a project, an agent, and which events); and browser notifications for this browser,
 * asked for only when the person clicks.
 */
export function NotificationSettings({
  initialChannels,
  initialSubscriptions,
  projects,
  agents,
  smtpConfigured,
}: {
  initialChannels: ChannelJson[];
  initialSubscriptions: { items: Sub[]; saved: boolean };
  projects: Choice[];
  agents: Choice[];
  smtpConfigured: boolean;
}) {
  return (
    <div className="flex flex-col gap-8">
      <div>
        <h1 className="text-xl font-semibold">Notifications</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Be called back when an agent needs you: in the dashboard (the inbox and a notice), in this browser, by webhook
          (Slack-compatible) or by email.
        </p>
      </div>
      <BrowserNotifications />
      <Channels initial={initialChannels} smtpConfigured={smtpConfigured} />
      <Subscriptions initial={initialSubscriptions} projects={projects} agents={agents} />
    </div>
  );
}

/** This browser's notification state: unsupported, denied, granted (and turned on here) or off. */
function browserState(): string {
  if (typeof Notification === "undefined") return "unsupported";
  if (Notification.permission === "denied") return "denied";
  return localStorage.getItem(BROWSER_NOTIFICATIONS_KEY) === "on" && Notification.permission === "granted"
    ? "granted"
    : "off";
}

function BrowserNotifications() {
  // Read on every render (the permission and the choice live outside React); a click re-renders.
  const [, rerender] = useState(0);
  const state = useSyncExternalStore(noSubscription, browserState, () => "unknown");
  const turnOn = async () => {
    // Asked only now, after the person's click, as browsers expect.
    const permission = await Notification.requestPermission();
    if (permission === "granted") localStorage.setItem(BROWSER_NOTIFICATIONS_KEY, "on");
    rerender((n) => n + 1);
  };
  const turnOff = () => {
    localStorage.removeItem(BROWSER_NOTIFICATIONS_KEY);
    rerender((n) => n + 1);
  };
  return (
    <section className="card p-4 text-sm" aria-labelledby="browser-heading">
      <h2 id="browser-heading" className="font-semibold">
        This browser
      </h2>
      <p className="mt-1 text-zinc-600 dark:text-zinc-400" data-browser-notifications={state}>
        {state === "granted"
          ? "Browser notifications are on here."
          : state === "denied"
            ? "The browser blocks notifications from this hub; allow them in its site settings."
            : state === "unsupported"
              ? "This browser has no notifications."
              : "Browser notifications are off here."}
      </p>
      {state === "granted" ? (
        <button type="button" className="btn-secondary mt-2" onClick={turnOff}>
          Turn off browser notifications
        </button>
      ) : (
        state !== "unsupported" &&
        state !== "denied" && (
          <button type="button" className="btn-secondary mt-2" onClick={() => void turnOn()}>
            Turn on browser notifications
          </button>
        )
      )}
    </section>
  );
}

function Channels({ initial, smtpConfigured }: { initial: ChannelJson[]; smtpConfigured: boolean }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const channels = useQuery({
    queryKey: channelKey,
    queryFn: async () => (await api<{ items: ChannelJson[] }>("/api/v1/notification-channels")).body.items,
    initialData: initial,
  }).data;
  const refresh = () => queryClient.invalidateQueries({ queryKey: channelKey });
  const [form, setForm] = useState({ name: "", type: "webhook", target: "" });
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () =>
      api<ChannelJson & { secret?: string }>("/api/v1/notification-channels", {
        method: "POST",
        json: {
          name: form.name,
          type: form.type,
          ...(form.type === "webhook" ? { url: form.target } : { address: form.target }),
        },
      }),
    onSuccess: (res) => {
      setError(null);
      setSecret(res.body.secret ?? null);
      setForm({ name: "", type: form.type, target: "" });
      void refresh();
    },
    onError: (err) => setError(describeError(err)),
  });
  const test = useMutation({
    mutationFn: async (c: ChannelJson) =>
      (await api<ChannelTestResult>(`/api/v1/notification-channels/${c.id}/test`, { method: "POST" })).body,
    onSuccess: (r, c) =>
      toast(r.ok ? `Test sent to ${c.name}.` : `The test to ${c.name} failed: ${r.error}`, r.ok ? "success" : "error"),
    onError: (err) => toast(`The test could not be sent: ${describeError(err)}`, "error"),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (id: string) => api(`/api/v1/notification-channels/${id}`, { method: "DELETE" }),
    onSettled: refresh,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <section className="card p-4 text-sm" aria-labelledby="channels-heading">
      <h2 id="channels-heading" className="font-semibold">
        Channels
      </h2>
      {channels.length === 0 ? (
        <p className="mt-2 text-zinc-600 dark:text-zinc-400">No webhook or email yet.</p>
      ) : (
        <ul className="mt-2 flex flex-col gap-2">
          {channels.map((c) => (
            <li
              key={c.id}
              data-channel={c.name}
              className="flex flex-wrap items-center gap-2 rounded-md border p-2 dark:border-zinc-800"
            >
              <span className="font-medium">{c.name}</span>
              <span className="text-zinc-600 dark:text-zinc-400">
                {c.type}: {c.url ?? c.address}
              </span>
              <span
                data-enabled={c.enabled}
                className={c.enabled ? "text-green-700 dark:text-green-400" : "text-red-700 dark:text-red-300"}
              >
                {c.enabled ? "on" : `off — ${c.disabledReason ?? "disabled"}`}
              </span>
              {c.lastError && c.enabled && (
                <span className="text-xs text-amber-800 dark:text-amber-300">last error: {c.lastError}</span>
              )}
              <span className="ml-auto flex gap-2">
                <button
                  type="button"
                  className="btn-secondary"
                  disabled={test.isPending}
                  onClick={() => test.mutate(c)}
                >
                  Send a test
                </button>
                <button
                  type="button"
                  className="btn-danger"
                  aria-label={`Delete ${c.name}`}
                  onClick={() => remove.mutate(c.id)}
                >
                  Delete
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
      {secret && (
        <p role="status" className="mt-3 rounded-md bg-amber-50 p-2 dark:bg-amber-950/40">
          The webhook&apos;s signing secret (shown this once): <code data-testid="webhook-secret">{secret}</code>. Check
          X-Scion-Signature: sha256 of HMAC(secret, X-Scion-Timestamp + &quot;.&quot; + body).
        </p>
      )}
      <form onSubmit={submit} aria-label="Add a channel" className="mt-4 grid gap-2 sm:grid-cols-4">
        <label className="flex flex-col gap-1">
          Name
          <input
            className="input"
            required
            maxLength={100}
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
          />
        </label>
        <label className="flex flex-col gap-1">
          Type
          <select className="input" value={form.type} onChange={(e) => setForm({ ...form, type: e.target.value })}>
            <option value="webhook">Webhook</option>
            <option value="email" disabled={!smtpConfigured}>
              Email{smtpConfigured ? "" : " (no SMTP server configured)"}
            </option>
          </select>
        </label>
        <label className="flex flex-col gap-1 sm:col-span-2">
          {form.type === "webhook" ? "URL" : "Email address"}
          <input
            className="input"
            required
            type={form.type === "webhook" ? "url" : "email"}
            value={form.target}
            onChange={(e) => setForm({ ...form, target: e.target.value })}
          />
        </label>
        {error && (
          <p role="alert" className="text-red-700 sm:col-span-4 dark:text-red-300">
            {error}
          </p>
        )}
        <div className="sm:col-span-4">
          <button type="submit" className="btn-primary" disabled={create.isPending}>
            Add channel
          </button>
        </div>
      </form>
    </section>
  );
}

function Subscriptions({
  initial,
  projects,
  agents,
}: {
  initial: { items: Sub[]; saved: boolean };
  projects: Choice[];
  agents: Choice[];
}) {
  const toast = useToast();
  const [subs, setSubs] = useState<Sub[]>(initial.items);
  const save = useMutation({
    mutationFn: () =>
      api("/api/v1/subscriptions", {
        method: "PUT",
        json: {
          items: subs.map((s) => ({
            scope: s.scope,
            ...(s.scope !== "mine" && { targetId: s.targetId }),
            events: s.events,
          })),
        },
      }),
    onSuccess: () => toast("Subscriptions saved.", "success"),
    onError: (err) => toast(`Not saved: ${describeError(err)}`, "error"),
  });
  const update = (i: number, change: Partial<Sub>) => setSubs(subs.map((s, j) => (j === i ? { ...s, ...change } : s)));
  return (
    <section className="card p-4 text-sm" aria-labelledby="subs-heading">
      <h2 id="subs-heading" className="font-semibold">
        What to tell me about
      </h2>
      {!initial.saved && (
        <p className="mt-1 text-zinc-600 dark:text-zinc-400">
          The default until you save: your own agents waiting for input, failing, or messaging you.
        </p>
      )}
      <ul className="mt-3 flex flex-col gap-3">
        {subs.map((s, i) => (
          <li
            key={i}
            className="flex flex-col gap-2 rounded-md border p-2 dark:border-zinc-800"
            aria-label={`Subscription ${i + 1}`}
          >
            <div className="flex flex-wrap gap-2">
              <label className="flex items-center gap-1">
                About
                <select
                  className="input"
                  value={s.scope}
                  onChange={(e) =>
                    update(i, {
                      scope: e.target.value,
                      targetId:
                        e.target.value === "project"
                          ? (projects[0]?.id ?? null)
                          : e.target.value === "agent"
                            ? (agents[0]?.id ?? null)
                            : null,
                    })
                  }
                >
                  <option value="mine">All my agents</option>
                  <option value="project">A project</option>
                  <option value="agent">An agent</option>
                </select>
              </label>
              {s.scope !== "mine" && (
                <label className="flex items-center gap-1">
                  <span className="sr-only">{s.scope === "project" ? "Project" : "Agent"}</span>
                  <select
                    className="input"
                    value={s.targetId ?? ""}
                    onChange={(e) => update(i, { targetId: e.target.value })}
                  >
                    {(s.scope === "project" ? projects : agents).map((c) => (
                      <option key={c.id} value={c.id}>
                        {c.name}
                      </option>
                    ))}
                  </select>
                </label>
              )}
              <button
                type="button"
                className="ml-auto text-red-700 underline dark:text-red-300"
                onClick={() => setSubs(subs.filter((_, j) => j !== i))}
              >
                Remove
              </button>
            </div>
            <fieldset className="flex flex-wrap gap-3">
              <legend className="sr-only">Events</legend>
              {KINDS.map(([kind, label]) => (
                <label key={kind} className="flex items-center gap-1">
                  <input
                    type="checkbox"
                    checked={s.events.includes(kind)}
                    onChange={(e) =>
                      update(i, { events: e.target.checked ? [...s.events, kind] : s.events.filter((k) => k !== kind) })
                    }
                  />
                  {label}
                </label>
              ))}
            </fieldset>
          </li>
        ))}
      </ul>
      <div className="mt-3 flex gap-2">
        <button
          type="button"
          className="btn-secondary"
          onClick={() =>
            setSubs([...subs, { scope: "mine", targetId: null, events: ["waiting_for_input", "error", "message"] }])
          }
        >
          Add a subscription
        </button>
        <button type="button" className="btn-primary" disabled={save.isPending} onClick={() => save.mutate()}>
          Save subscriptions
        </button>
      </div>
    </section>
  );
}
