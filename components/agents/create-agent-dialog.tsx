"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import type { AgentJson } from "@/lib/agents/schemas";
import { ErrorNote } from "../ui/error-note";
import { Modal } from "../ui/modal";
import { useToast } from "../ui/toast";
import { agentKeys, api } from "./queries";

export interface Choice {
  id: string;
  name: string;
}

const HARNESSES = [
  { id: "shell", label: "Shell (a login shell)" },
  { id: "generic", label: "Command (any program)" },
  { id: "claude", label: "Claude Code" },
  { id: "gemini", label: "Gemini CLI" },
  { id: "codex", label: "Codex" },
];

/** New agent: project, broker (or automatic), harness or command, task; started at once by default. */
export function CreateAgentDialog({ open, onClose, projects, brokers }: { open: boolean; onClose: () => void; projects: Choice[]; brokers: Array<Choice & { status: string }> }) {
  const router = useRouter();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [harness, setHarness] = useState("shell");
  const [error, setError] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<AgentJson>("/api/v1/agents", { method: "POST", json: body }),
    onSuccess: ({ body }) => {
      toast(`Created ${body.name}${body.phase === "running" ? " and started it" : ""}.`, "success");
      void queryClient.invalidateQueries({ queryKey: agentKeys.all });
      onClose();
      router.push(`/agents/${body.id}`);
    },
    onError: (err) => setError((err as Error).message),
  });

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    create.mutate({
      projectId: text("projectId"),
      name: text("name"),
      harness,
      ...(text("brokerId") && { brokerId: text("brokerId") }),
      ...(harness === "generic" && { command: text("command") }),
      ...(text("task") && { task: text("task") }),
      start: form.get("start") === "on",
    });
  };

  return (
    <Modal open={open} onClose={onClose} onOpen={() => setError(null)} labelledBy="create-agent-title">
      <form onSubmit={submit} className="flex flex-col gap-4 p-5">
        <h2 id="create-agent-title" className="text-base font-semibold">
          New agent
        </h2>
        {projects.length === 0 ? (
          <p className="text-sm">
            Agents belong to a project. <a href="/projects" className="underline">Create a project</a> first.
          </p>
        ) : (
          <>
            <label className="flex flex-col gap-1 text-sm">
              Name
              <input name="name" required maxLength={63} pattern="[a-zA-Z0-9][a-zA-Z0-9 _.\-]*" className="input" autoFocus />
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
              <select name="brokerId" className="input" defaultValue="">
                <option value="">Automatic (the project&apos;s default, else any online broker)</option>
                {brokers.map((b) => (
                  <option key={b.id} value={b.id}>
                    {b.name} ({b.status})
                  </option>
                ))}
              </select>
            </label>
            <label className="flex flex-col gap-1 text-sm">
              Harness
              <select name="harness" className="input" value={harness} onChange={(e) => setHarness(e.target.value)}>
                {HARNESSES.map((h) => (
                  <option key={h.id} value={h.id}>
                    {h.label}
                  </option>
                ))}
              </select>
            </label>
            {harness === "generic" && (
              <label className="flex flex-col gap-1 text-sm">
                Command
                <input name="command" required maxLength={4096} placeholder="npm run dev" className="input font-mono" />
              </label>
            )}
            <label className="flex flex-col gap-1 text-sm">
              Task <span className="text-xs text-zinc-600 dark:text-zinc-400">(optional; assistants get it as their first prompt)</span>
              <textarea name="task" rows={3} maxLength={65536} className="input" />
            </label>
            <label className="flex items-center gap-2 text-sm">
              <input name="start" type="checkbox" defaultChecked /> Start it now
            </label>
          </>
        )}
        {error && <ErrorNote>{error}</ErrorNote>}
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
