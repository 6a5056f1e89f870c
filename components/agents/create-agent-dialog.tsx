"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import type { AgentJson } from "@/lib/agents/schemas";
import type { HarnessJson } from "@/lib/harnesses/list-harnesses";
import type { ErrorEnvelope } from "@/lib/http/api-error";
import { api, RequestError } from "../data/api";
import { agentKeys, harnessKeys } from "../data/query-keys";
import { ErrorNote } from "../ui/error-note";
import { Modal } from "../ui/modal";
import { useToast } from "../ui/toast";

export interface Choice {
  id: string;
  name: string;
}

/** Until the hub's list arrives (and if it cannot be had): the harnesses by name, without availability. */
const FALLBACK_HARNESSES: Array<Pick<HarnessJson, "id" | "name" | "kind"> & { brokers?: HarnessJson["brokers"] }> = [
  { id: "shell", name: "Shell", kind: "shell" },
  { id: "generic", name: "Command", kind: "command" },
  { id: "claude", name: "Claude Code", kind: "assistant" },
  { id: "gemini", name: "Gemini CLI", kind: "assistant" },
  { id: "codex", name: "Codex", kind: "assistant" },
];

const KIND_HINT: Record<string, string> = { shell: "a login shell", command: "any program" };

type CreateError = Pick<ErrorEnvelope["error"], "code" | "message">;

/**
 * New agent: project, broker (or automatic), harness (with whether it can run on the chosen
 * broker), task, model and limits; started at once by default. A harness whose credentials no
 * secret provides is refused with the hub's sentence and a link to add the secret.
 */
export function CreateAgentDialog({
  open,
  onClose,
  projects,
  brokers,
}: {
  open: boolean;
  onClose: () => void;
  projects: Choice[];
  brokers: Array<Choice & { status: string }>;
}) {
  const router = useRouter();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [harness, setHarness] = useState("shell");
  const [brokerId, setBrokerId] = useState("");
  const [error, setError] = useState<CreateError | null>(null);
  const listed = useQuery({
    queryKey: harnessKeys.all,
    queryFn: async () => (await api<{ items: HarnessJson[] }>("/api/v1/harnesses")).body.items,
    enabled: open,
    staleTime: 30_000,
  });
  const harnesses = listed.data ?? FALLBACK_HARNESSES;
  const chosen = harnesses.find((h) => h.id === harness);
  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<AgentJson>("/api/v1/agents", { method: "POST", json: body }),
    onSuccess: ({ body }) => {
      toast(`Created ${body.name}${body.phase === "running" ? " and started it" : ""}.`, "success");
      void queryClient.invalidateQueries({ queryKey: agentKeys.all });
      onClose();
      router.push(`/agents/${body.id}`);
    },
    onError: (err) =>
      setError({ message: (err as Error).message, code: err instanceof RequestError ? err.code : "internal" }),
  });

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    const limits = {
      ...(text("maxTurns") && { maxTurns: Number(text("maxTurns")) }),
      ...(text("maxDurationMinutes") && { maxDurationMinutes: Number(text("maxDurationMinutes")) }),
    };
    create.mutate({
      projectId: text("projectId"),
      name: text("name"),
      harness,
      ...(brokerId && { brokerId }),
      ...(harness === "generic" && { command: text("command") }),
      ...(text("task") && { task: text("task") }),
      ...(text("model") && { model: text("model") }),
      ...(Object.keys(limits).length > 0 && { limits }),
      start: form.get("start") === "on",
    });
  };

  const reset = () => {
    setError(null);
    setBrokerId("");
  };
  return (
    <Modal open={open} onClose={onClose} onOpen={reset} labelledBy="create-agent-title">
      <form onSubmit={submit} className="flex flex-col gap-4 p-5">
        <h2 id="create-agent-title" className="text-base font-semibold">
          New agent
        </h2>
        {projects.length === 0 ? (
          <p className="text-sm">
            Agents belong to a project.{" "}
            <a href="/projects" className="underline">
              Create a project
            </a>{" "}
            first.
          </p>
        ) : (
          <>
            <label className="flex flex-col gap-1 text-sm">
              Name
              <input
                name="name"
                required
                maxLength={63}
                pattern="[a-zA-Z0-9][a-zA-Z0-9 _.\-]*"
                className="input"
                autoFocus
              />
            </label>
            <label className="flex flex-col gap-1 text-sm">
              Project
              <select name="projectId" required className="input">
                {projects.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            </label>
            <label className="flex flex-col gap-1 text-sm">
              Broker
              <select name="brokerId" className="input" value={brokerId} onChange={(e) => setBrokerId(e.target.value)}>
                <option value="">Automatic (the project&apos;s default, else any online broker)</option>
                {brokers.map((b) => (
                  <option key={b.id} value={b.id}>
                    {b.name} ({b.status})
                  </option>
                ))}
              </select>
            </label>
            <div className="flex flex-col gap-1 text-sm">
              <label htmlFor="create-agent-harness">Harness</label>
              <select
                id="create-agent-harness"
                name="harness"
                className="input"
                value={harness}
                onChange={(e) => setHarness(e.target.value)}
                aria-describedby="harness-availability"
              >
                {harnesses.map((h) => (
                  <option key={h.id} value={h.id}>
                    {KIND_HINT[h.kind] ? `${h.name} (${KIND_HINT[h.kind]})` : h.name}
                  </option>
                ))}
              </select>
              <span id="harness-availability" className="text-xs text-zinc-600 dark:text-zinc-400">
                {availabilityNote(chosen, brokerId, brokers)}
              </span>
            </div>
            {harness === "generic" && (
              <label className="flex flex-col gap-1 text-sm">
                Command
                <input name="command" required maxLength={4096} placeholder="npm run dev" className="input font-mono" />
              </label>
            )}
            <label className="flex flex-col gap-1 text-sm">
              Task{" "}
              <span className="text-xs text-zinc-600 dark:text-zinc-400">
                (optional; assistants get it as their first prompt)
              </span>
              <textarea name="task" rows={3} maxLength={65536} className="input" />
            </label>
            {chosen?.kind === "assistant" && (
              <>
                <label className="flex flex-col gap-1 text-sm">
                  Model{" "}
                  <span className="text-xs text-zinc-600 dark:text-zinc-400">
                    (optional; the harness&apos;s default when empty)
                  </span>
                  <input
                    name="model"
                    maxLength={200}
                    pattern="[A-Za-z0-9][A-Za-z0-9._:/@\-]*"
                    className="input font-mono"
                  />
                </label>
                <fieldset className="flex flex-wrap gap-3 text-sm">
                  <legend className="mb-1">
                    Limits{" "}
                    <span className="text-xs text-zinc-600 dark:text-zinc-400">
                      (optional; the agent is stopped when it reaches one)
                    </span>
                  </legend>
                  <label className="flex flex-1 flex-col gap-1">
                    Max turns
                    <input name="maxTurns" type="number" min={1} max={100000} step={1} className="input" />
                  </label>
                  <label className="flex flex-1 flex-col gap-1">
                    Max minutes
                    <input name="maxDurationMinutes" type="number" min={1} max={10080} step={1} className="input" />
                  </label>
                </fieldset>
              </>
            )}
            <label className="flex items-center gap-2 text-sm">
              <input name="start" type="checkbox" defaultChecked /> Start it now
            </label>
          </>
        )}
        {error && (
          <ErrorNote>
            {error.message}
            {error.code === "missing_credentials" && (
              <>
                {" "}
                <a href="/secrets" className="font-medium underline">
                  Add a secret
                </a>
              </>
            )}
          </ErrorNote>
        )}
        <div className="flex justify-end gap-2">
          <button type="button" className="btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn-primary" disabled={projects.length === 0 || create.isPending}>
            {create.isPending ? "Creating…" : "Create agent"}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Whether the chosen harness can run on the chosen broker (as the broker last reported), or on how many. */
function availabilityNote(
  h: { name: string; kind: string; brokers?: HarnessJson["brokers"] } | undefined,
  brokerId: string,
  brokers: Choice[],
): string {
  if (!h?.brokers) return "";
  if (brokerId) {
    const on = h.brokers.find((b) => b.brokerId === brokerId);
    const name = on?.name ?? brokers.find((b) => b.id === brokerId)?.name ?? "this broker";
    if (on?.available) return `${h.name}${on.version ? ` ${on.version}` : ""} is available on ${name}.`;
    return h.kind === "assistant"
      ? `${name} has not reported ${h.name} yet; it installs it on first use.`
      : `${name} does not offer ${h.name}.`;
  }
  const count = h.brokers.filter((b) => b.available).length;
  return count === 0
    ? `No broker has reported ${h.name} yet.`
    : `Available on ${count} broker${count === 1 ? "" : "s"}.`;
}
