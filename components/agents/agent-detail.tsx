"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useRef, useState, type FormEvent } from "react";
import type { AgentHistoryEntry } from "@/lib/agents/list-agent-history";
import type { ResetAuthResult } from "@/lib/agents/reset-agent-auth";
import type { AgentJson } from "@/lib/agents/schemas";
import type { MessageJson } from "@/lib/messages/schemas";
import { api } from "../data/api";
import { agentKeys, messageKeys } from "../data/query-keys";
import { personLabel } from "../ui/person-label";
import { RelativeTime } from "../ui/relative-time";
import { StatusBadge } from "../ui/status-badge";
import { useToast } from "../ui/toast";
import { AgentActions } from "./agent-actions";
import { GitStatusRows } from "./git-status";
import { AgentLook } from "./agent-look";
import { activityLabel, agentStatus, phaseLabel } from "./agent-status";

/**
 * One agent: header with state and actions (Reset Auth while running; Interrupt and Restart fresh
 * for a running assistant), current state with model, limits and turns, its last output, ports
 * and URLs, phase/activity history and messages. Server-rendered first, then live.
 */
export function AgentDetail({
  initial,
  history,
  messages,
  projectName,
  brokerName,
  harness,
  people = {},
}: {
  initial: AgentJson;
  history: AgentHistoryEntry[];
  messages: MessageJson[];
  projectName: string;
  brokerName: string | null;
  /** Its harness's display name, and whether it is a coding assistant (it has a model, can be interrupted). */
  harness: { name: string; assistant: boolean };
  /** Names (or emails) of the people its owner and history name, by principal id. */
  people?: Record<string, string>;
}) {
  const router = useRouter();
  const toast = useToast();
  const queryClient = useQueryClient();
  const id = initial.id;
  const agent = useQuery({
    queryKey: agentKeys.detail(id),
    queryFn: async () => (await api<AgentJson>(`/api/v1/agents/${id}`)).body,
    initialData: initial,
  }).data;
  const changes = useQuery({
    queryKey: agentKeys.history(id),
    queryFn: async () => (await api<{ items: AgentHistoryEntry[] }>(`/api/v1/agents/${id}/history`)).body.items,
    initialData: history,
  }).data;
  const resetAuth = useMutation({
    mutationFn: async () => (await api<ResetAuthResult>(`/api/v1/agents/${id}/reset-auth`, { method: "POST" })).body,
    onSuccess: (r) => {
      if (!r.ok) toast(`Reset auth failed: ${r.error ?? "unknown error"}`, "error");
      else if (!r.signalled)
        toast(`New token written; the agent was not signalled and picks it up at its next refresh.`, "info");
      else toast("Reset auth: a new token was written and the agent re-read it.", "success");
    },
    onError: (err) => toast(`Reset auth failed: ${(err as Error).message}`, "error"),
    onSettled: () => queryClient.invalidateQueries({ queryKey: agentKeys.all }),
  });
  const lifecycle = useMutation({
    mutationFn: async (kind: "interrupt" | "restart-fresh") =>
      kind === "interrupt"
        ? api<{ agent: AgentJson }>(`/api/v1/agents/${id}/interrupt`, { method: "POST" })
        : api<{ agent: AgentJson }>(`/api/v1/agents/${id}/restart`, { method: "POST", json: { fresh: true } }),
    onSuccess: (res, kind) => {
      if (kind === "interrupt") toast(`Interrupted ${agent.name}'s current turn.`, "success");
      else
        toast(
          res.status === 202
            ? `${agent.name} is restarting with a new conversation.`
            : `Restarted ${agent.name} with a new conversation.`,
          res.status === 202 ? "info" : "success",
        );
    },
    onError: (err, kind) =>
      toast(
        `Could not ${kind === "interrupt" ? "interrupt" : "restart"} ${agent.name}: ${(err as Error).message}`,
        "error",
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: agentKeys.all }),
  });
  const assistant = harness.assistant;
  const limits = [
    agent.limits.maxTurns && `${agent.limits.maxTurns} turns`,
    agent.limits.maxDurationMinutes && `${agent.limits.maxDurationMinutes} minutes`,
  ]
    .filter(Boolean)
    .join(", ");
  const ports = Object.entries(agent.ports).sort();
  // The template it was created from, as its snapshot names it (issue 12's agent JSON; absent before).
  const template = (agent as AgentJson & { template?: { id: string; slug: string; name: string } | null }).template;
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-center gap-3">
        <Link href="/" className="text-sm text-zinc-600 hover:underline dark:text-zinc-400">
          ← Agents
        </Link>
      </div>
      <header className="flex flex-wrap items-center gap-3">
        <h1 className="text-xl font-semibold">{agent.name}</h1>
        <StatusBadge status={agentStatus(agent)} />
        <div className="ml-auto flex items-center gap-2">
          {agent.phase === "running" && assistant && (
            <>
              <button
                type="button"
                className="btn-secondary"
                disabled={lifecycle.isPending}
                onClick={() => lifecycle.mutate("interrupt")}
              >
                Interrupt
              </button>
              <button
                type="button"
                className="btn-secondary"
                disabled={lifecycle.isPending}
                onClick={() => lifecycle.mutate("restart-fresh")}
                title="Restart without resuming the previous conversation"
              >
                Restart fresh
              </button>
            </>
          )}
          {agent.phase === "running" && (
            <button
              type="button"
              className="btn-secondary"
              disabled={resetAuth.isPending}
              onClick={() => resetAuth.mutate()}
            >
              {resetAuth.isPending ? "Resetting…" : "Reset Auth"}
            </button>
          )}
          <AgentActions agent={agent} onDeleted={() => router.push("/")} />
        </div>
      </header>
      {agent.phase === "error" && agent.detail && (
        <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
          {agent.detail}
        </p>
      )}
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <section className="card p-4" aria-labelledby="state-heading">
          <h2 id="state-heading" className="text-sm font-semibold">
            State
          </h2>
          <dl className="mt-3 grid grid-cols-[8rem_1fr] gap-y-1.5 text-sm">
            <dt className="text-zinc-600 dark:text-zinc-400">Phase</dt>
            <dd>{phaseLabel(agent.phase)}</dd>
            <dt className="text-zinc-600 dark:text-zinc-400">Activity</dt>
            <dd>{agent.activity ? activityLabel(agent.activity) : "—"}</dd>
            <dt className="text-zinc-600 dark:text-zinc-400">Project</dt>
            <dd>{projectName}</dd>
            {template && (
              <>
                <dt className="text-zinc-600 dark:text-zinc-400">Template</dt>
                <dd>{template.name}</dd>
              </>
            )}
            <dt className="text-zinc-600 dark:text-zinc-400">Owner</dt>
            <dd>{personLabel(agent.ownerId, people[agent.ownerId])}</dd>
            <dt className="text-zinc-600 dark:text-zinc-400">Broker</dt>
            <dd>{brokerName ?? "Automatic"}</dd>
            {agent.branch && (
              <GitStatusRows
                agentId={agent.id}
                branch={agent.branch}
                baseBranch={agent.baseBranch}
                running={agent.phase === "running"}
              />
            )}
            <dt className="text-zinc-600 dark:text-zinc-400">Harness</dt>
            <dd>{harness.name}</dd>
            {(assistant || agent.model) && (
              <>
                <dt className="text-zinc-600 dark:text-zinc-400">Model</dt>
                <dd className={agent.model ? "font-mono" : undefined}>{agent.model ?? "The harness's default"}</dd>
              </>
            )}
            {(limits || agent.turnCount > 0) && (
              <>
                <dt className="text-zinc-600 dark:text-zinc-400">Turns</dt>
                <dd>
                  {agent.turnCount}
                  {agent.limits.maxTurns ? ` of ${agent.limits.maxTurns}` : ""}
                </dd>
              </>
            )}
            {limits && (
              <>
                <dt className="text-zinc-600 dark:text-zinc-400">Limits</dt>
                <dd>{limits}</dd>
              </>
            )}
            <dt className="text-zinc-600 dark:text-zinc-400">Last seen</dt>
            <dd>
              <RelativeTime iso={agent.lastSeen} />
            </dd>
            <dt className="text-zinc-600 dark:text-zinc-400">Task</dt>
            <dd className="whitespace-pre-wrap">{agent.task ?? "—"}</dd>
          </dl>
        </section>
        <section className="card p-4" aria-labelledby="ports-heading">
          <h2 id="ports-heading" className="text-sm font-semibold">
            Ports and URLs
          </h2>
          {ports.length === 0 ? (
            <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">Ports are allocated when the agent starts.</p>
          ) : (
            <ul className="mt-3 flex flex-col gap-1.5 text-sm">
              {ports.map(([letter, port]) => {
                const url = agent.urls[letter as "A" | "B"];
                return (
                  <li key={letter}>
                    <span className="font-mono">AVAILABLE_LOCALHOST_PORT_{letter}</span> = {port}
                    {url && (
                      <>
                        {" · "}
                        <a
                          href={url}
                          target="_blank"
                          rel="noreferrer"
                          className="text-blue-700 underline dark:text-blue-400"
                        >
                          {url}
                        </a>
                      </>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
        </section>
      </div>
      {agent.lastOutput && (
        <section className="card p-4" aria-labelledby="last-output-heading">
          <h2 id="last-output-heading" className="text-sm font-semibold">
            Last output
          </h2>
          {/* Focusable so a keyboard can scroll a long answer. */}
          <div
            tabIndex={0}
            data-last-output
            className="mt-3 max-h-80 overflow-auto whitespace-pre-wrap break-words rounded-md bg-zinc-50 p-3 text-sm dark:bg-zinc-800/60"
          >
            {agent.lastOutput}
          </div>
        </section>
      )}
      {/* Issue 14: the screen (live) and the logs (followed), without the terminal. */}
      <AgentLook agent={agent} />
      <Messages agentId={id} initial={messages} running={agent.phase === "running"} />
      <section className="card p-4" aria-labelledby="history-heading">
        <h2 id="history-heading" className="text-sm font-semibold">
          History
        </h2>
        <ol className="mt-3 flex flex-col gap-1 text-sm">
          {changes.map((c, i) => (
            <li key={`${c.at}-${i}`} className="flex flex-wrap gap-x-3">
              <span className="w-24 text-zinc-600 dark:text-zinc-400">
                <RelativeTime iso={c.at} />
              </span>
              <span className="font-medium">{phaseLabel(c.phase)}</span>
              {c.activity && <span>{activityLabel(c.activity)}</span>}
              {c.detail && <span className="text-zinc-600 dark:text-zinc-400">{c.detail}</span>}
              <span className="ml-auto text-xs text-zinc-500">
                {people[c.actor] ??
                  (c.actor.startsWith("agent:")
                    ? "agent"
                    : c.actor === "system"
                      ? "hub"
                      : c.actor.startsWith("broker:")
                        ? "broker"
                        : "person")}
              </span>
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}

/**
 * The conversation with the agent, both ways in one thread, newest first: what people typed into
 * it (and whether it went in) and what it said or asked them (`scion-agent say|ask`). An ask has
 * an Answer button: the answer goes to the agent like any message, in the question's thread.
 */
function Messages({ agentId, initial, running }: { agentId: string; initial: MessageJson[]; running: boolean }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [body, setBody] = useState("");
  const [answering, setAnswering] = useState<MessageJson | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const list = useQuery({
    queryKey: messageKeys.ofAgent(agentId),
    queryFn: async () =>
      (await api<{ items: MessageJson[] }>(`/api/v1/agents/${agentId}/messages?limit=50`)).body.items,
    initialData: initial,
  }).data;
  const send = useMutation({
    mutationFn: ({ text, replyTo }: { text: string; replyTo?: string }) =>
      api<MessageJson>(`/api/v1/agents/${agentId}/messages`, {
        method: "POST",
        json: replyTo ? { body: text, replyTo } : { body: text, channel: "web" },
      }),
    onSuccess: (res) => {
      setBody("");
      setAnswering(null);
      toast(
        res.status === 201
          ? "Message typed into the agent's session."
          : "Message queued: it goes in when the agent runs.",
        res.status === 201 ? "success" : "info",
      );
    },
    onError: (err) => toast(`The message was not sent: ${(err as Error).message}`, "error"),
    onSettled: () => queryClient.invalidateQueries({ queryKey: messageKeys.all }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (body.trim()) send.mutate({ text: body, ...(answering && { replyTo: answering.id }) });
  };
  const answer = (m: MessageJson) => {
    setAnswering(m);
    input.current?.focus();
  };
  return (
    <section className="card p-4" aria-labelledby="messages-heading">
      <h2 id="messages-heading" className="text-sm font-semibold">
        Messages
      </h2>
      <form onSubmit={submit} className="mt-3 flex flex-col gap-2">
        {answering && (
          <p className="flex items-center gap-2 text-xs text-zinc-700 dark:text-zinc-300" data-testid="answering">
            <span className="truncate">Answering: “{answering.body}”</span>
            <button type="button" className="underline" onClick={() => setAnswering(null)}>
              Cancel
            </button>
          </p>
        )}
        <div className="flex gap-2">
          <label className="flex-1">
            <span className="sr-only">{answering ? "Your answer" : "Message"}</span>
            <input
              ref={input}
              value={body}
              onChange={(e) => setBody(e.target.value)}
              maxLength={65536}
              placeholder={
                answering ? "Your answer" : running ? "Type a message for the agent" : "Queued until the agent runs"
              }
              className="input"
            />
          </label>
          <button type="submit" className="btn-primary" disabled={send.isPending || !body.trim()}>
            {answering ? "Send answer" : "Send"}
          </button>
        </div>
      </form>
      {list.length === 0 ? (
        <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">No messages yet.</p>
      ) : (
        <ul className="mt-3 flex flex-col gap-2 text-sm">
          {list.map((m) =>
            m.direction === "to_user" ? (
              <li
                key={m.id}
                data-message="from-agent"
                data-kind={m.kind ?? "say"}
                className="rounded-md border-l-4 border-blue-600 bg-blue-50 p-2 dark:bg-blue-950/40"
              >
                <p className="text-xs font-medium text-blue-900 dark:text-blue-200">
                  {m.kind === "ask" ? "The agent asks" : "The agent says"}
                </p>
                <p className="whitespace-pre-wrap">{m.body}</p>
                <p className="mt-1 flex items-center gap-2 text-xs text-zinc-600 dark:text-zinc-400">
                  <RelativeTime iso={m.createdAt} />
                  {m.kind === "ask" && (
                    <button
                      type="button"
                      className="text-blue-700 underline dark:text-blue-400"
                      onClick={() => answer(m)}
                    >
                      Answer
                    </button>
                  )}
                </p>
              </li>
            ) : (
              <li key={m.id} data-message={m.dispatchState} className="rounded-md bg-zinc-50 p-2 dark:bg-zinc-800/60">
                {m.replyToId && <p className="text-xs text-zinc-600 dark:text-zinc-400">Answer</p>}
                <p className="whitespace-pre-wrap">{m.body}</p>
                <p className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
                  {m.dispatchState === "dispatched"
                    ? "Typed into the session"
                    : m.dispatchState === "pending"
                      ? "Waiting for the agent to run"
                      : "Failed"}{" "}
                  · <RelativeTime iso={m.createdAt} />
                </p>
              </li>
            ),
          )}
        </ul>
      )}
    </section>
  );
}
