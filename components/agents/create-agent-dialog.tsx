"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo, useState, type FormEvent } from "react";
import type { AgentJson } from "@/lib/agents/schemas";
import type { HarnessJson } from "@/lib/harnesses/list-harnesses";
import type { ErrorEnvelope } from "@/lib/http/api-error";
import type { SecretJson } from "@/lib/secrets/schemas";
import { api, RequestError } from "../data/api";
import { agentKeys, harnessKeys, secretKeys, templateKeys } from "../data/query-keys";
import type { TemplateJson } from "../templates/types";
import { ErrorNote } from "../ui/error-note";
import { Modal } from "../ui/modal";
import { useToast } from "../ui/toast";

export interface Choice {
  id: string;
  name: string;
  /** A project's default template: preselected while the picker is untouched. */
  defaultTemplateId?: string | null;
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
 * New agent: first a template (searched; grouped hub / project / mine) or none, then what to
 * override — project, broker (or automatic), harness (with whether it can run on the chosen
 * broker), task, model and limits; started at once by default. The secrets the template needs
 * are listed with whether one is stored (yours, the project's or the hub's). A harness whose
 * credentials no secret provides is refused with the hub's sentence and a link to add the secret.
 */
export function CreateAgentDialog({
  open,
  onClose,
  projects,
  brokers,
  defaultProjectId,
}: {
  open: boolean;
  onClose: () => void;
  projects: Choice[];
  brokers: Array<Choice & { status: string }>;
  /** Preselected project (the project page). */
  defaultProjectId?: string;
}) {
  const router = useRouter();
  const toast = useToast();
  const queryClient = useQueryClient();
  // "" = the template's harness (or, without a template, a shell).
  const [harness, setHarness] = useState("");
  const [brokerId, setBrokerId] = useState("");
  const [projectId, setProjectId] = useState(defaultProjectId ?? projects[0]?.id ?? "");
  const [templateId, setTemplateId] = useState("");
  const [picked, setPicked] = useState(false);
  const [search, setSearch] = useState("");
  const [error, setError] = useState<CreateError | null>(null);
  const templates = useQuery({
    queryKey: templateKeys.list({}),
    queryFn: async () => (await api<{ items: TemplateJson[] }>("/api/v1/templates")).body.items,
    enabled: open,
    staleTime: 30_000,
  });
  const project = projects.find((p) => p.id === projectId);
  // Until the person picks one, the project's default template (if it has one) is the choice.
  const effectiveTemplateId = picked ? templateId : (project?.defaultTemplateId ?? "");
  const template = templates.data?.find((t) => t.id === effectiveTemplateId);
  const needed = template?.secrets ?? [];
  const secretScopes = useSecretNames(open && needed.length > 0, projectId);
  const listed = useQuery({
    queryKey: harnessKeys.all,
    queryFn: async () => (await api<{ items: HarnessJson[] }>("/api/v1/harnesses")).body.items,
    enabled: open,
    staleTime: 30_000,
  });
  const harnesses = listed.data ?? FALLBACK_HARNESSES;
  // With a template, an empty harness means the template's.
  const effectiveHarness = harness || template?.harness || "shell";
  const chosen = harnesses.find((h) => h.id === effectiveHarness);
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
      // With a template, its harness unless one is chosen here.
      ...(template ? { templateId: template.id, ...(harness && { harness }) } : { harness: harness || "shell" }),
      ...(brokerId && { brokerId }),
      ...(effectiveHarness === "generic" && text("command") && { command: text("command") }),
      ...(text("task") && { task: text("task") }),
      ...(text("model") && { model: text("model") }),
      ...(Object.keys(limits).length > 0 && { limits }),
      start: form.get("start") === "on",
    });
  };

  const reset = () => {
    setError(null);
    setBrokerId("");
    setHarness("");
    setTemplateId("");
    setPicked(false);
    setSearch("");
    setProjectId(defaultProjectId ?? projects[0]?.id ?? "");
  };
  const pickTemplate = (t: TemplateJson | null) => {
    setPicked(true);
    setTemplateId(t?.id ?? "");
    // The template's harness applies unless overridden.
    setHarness("");
    if (t?.scope === "project" && t.projectId && projects.some((p) => p.id === t.projectId)) setProjectId(t.projectId);
  };
  return (
    <Modal open={open} onClose={onClose} onOpen={reset} labelledBy="create-agent-title" width="max-w-2xl">
      <form onSubmit={submit} className="flex max-h-[90vh] flex-col gap-4 overflow-y-auto p-5">
        <h2 id="create-agent-title" className="text-base font-semibold">
          New agent
        </h2>
        {projects.length === 0 ? (
          <p className="text-sm">
            Agents belong to a project.{" "}
            <Link href="/projects" className="underline">
              Create a project
            </Link>{" "}
            first.
          </p>
        ) : (
          <>
            <TemplatePicker
              templates={templates.data}
              failed={templates.isError}
              projects={projects}
              selected={effectiveTemplateId}
              onPick={pickTemplate}
              search={search}
              onSearch={setSearch}
            />
            {template && needed.length > 0 && (
              <SecretsNeeded names={needed} stored={secretScopes} project={project?.name ?? "the project"} />
            )}
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
            <div className="flex flex-col gap-1 text-sm">
              <label htmlFor="create-agent-project">Project</label>
              <select
                id="create-agent-project"
                name="projectId"
                required
                className="input"
                value={projectId}
                onChange={(e) => setProjectId(e.target.value)}
              >
                {projects.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            </div>
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
                value={template ? harness : harness || "shell"}
                onChange={(e) => setHarness(e.target.value)}
                aria-describedby="harness-availability"
              >
                {template && (
                  <option value="">{`From the template (${
                    harnesses.find((h) => h.id === template.harness)?.name ?? template.harness ?? "shell"
                  })`}</option>
                )}
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
            {effectiveHarness === "generic" && (
              <label className="flex flex-col gap-1 text-sm">
                Command
                <input name="command" required maxLength={4096} placeholder="npm run dev" className="input font-mono" />
              </label>
            )}
            <label className="flex flex-col gap-1 text-sm">
              Task{" "}
              <span className="text-xs text-zinc-600 dark:text-zinc-400">
                {template?.task
                  ? "(optional; the template's when empty)"
                  : "(optional; assistants get it as their first prompt)"}
              </span>
              <textarea
                name="task"
                rows={3}
                maxLength={65536}
                className="input"
                placeholder={template?.task ?? undefined}
              />
            </label>
            {chosen?.kind === "assistant" && (
              <>
                <label className="flex flex-col gap-1 text-sm">
                  Model{" "}
                  <span className="text-xs text-zinc-600 dark:text-zinc-400">
                    {template?.model
                      ? `(optional; the template's ${template.model} when empty)`
                      : "(optional; the harness's default when empty)"}
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

/** The names stored in each secret scope the agent would draw from (yours, its project's, the hub's). */
function useSecretNames(enabled: boolean, projectId: string): Map<string, string> {
  // The same queries (and cache entries) as the Secrets page's sections; only the names are used.
  const fetchScope = async (query: string) =>
    (await api<{ items: SecretJson[] }>(`/api/v1/secrets?${query}`)).body.items;
  const names = (items: SecretJson[]) => items.map((s) => s.name);
  const user = useQuery({
    queryKey: secretKeys.scope("user"),
    queryFn: () => fetchScope("scope=user"),
    enabled,
    select: names,
  });
  const project = useQuery({
    queryKey: secretKeys.scope("project", projectId),
    queryFn: () => fetchScope(`scope=project&projectId=${encodeURIComponent(projectId)}`),
    enabled: enabled && Boolean(projectId),
    select: names,
  });
  const hub = useQuery({
    queryKey: secretKeys.scope("hub"),
    queryFn: () => fetchScope("scope=hub"),
    enabled,
    select: names,
  });
  return useMemo(() => {
    const where = new Map<string, string>();
    for (const name of hub.data ?? []) where.set(name, "the hub's");
    for (const name of project.data ?? []) where.set(name, "the project's");
    for (const name of user.data ?? []) where.set(name, "yours");
    return where;
  }, [user.data, project.data, hub.data]);
}

/** The secrets a template needs, each with whether a stored one provides it. */
function SecretsNeeded({ names, stored, project }: { names: string[]; stored: Map<string, string>; project: string }) {
  const missing = names.filter((n) => !stored.has(n));
  return (
    <section
      aria-labelledby="template-secrets-heading"
      className="rounded-md border border-zinc-200 p-3 text-sm dark:border-zinc-700"
    >
      <h3 id="template-secrets-heading" className="font-medium">
        Secrets this template needs
      </h3>
      <ul className="mt-2 flex flex-col gap-1">
        {names.map((n) => (
          <li key={n} data-secret={n} data-present={stored.has(n)} className="flex flex-wrap gap-2">
            <span className="font-mono text-xs">{n}</span>
            {stored.has(n) ? (
              <span className="text-green-800 dark:text-green-300">present ({stored.get(n)})</span>
            ) : (
              <span className="text-red-800 dark:text-red-300">missing</span>
            )}
          </li>
        ))}
      </ul>
      {missing.length > 0 && (
        <p className="mt-2 text-xs text-zinc-600 dark:text-zinc-400">
          Add {missing.length === 1 ? "it" : "them"} as your secret or {project}&apos;s on the{" "}
          <a href="/secrets" className="underline">
            Secrets page
          </a>
          ; the hub refuses to start the agent without {missing.length === 1 ? "it" : "them"}.
        </p>
      )}
    </section>
  );
}

const GROUPS = [
  { scope: "hub", label: "Hub", group: "Hub templates" },
  { scope: "project", label: "Project", group: "Project templates" },
  { scope: "user", label: "Mine", group: "My templates" },
] as const;

/** Start from: a template (searched by name, slug or description; grouped by scope), or none. */
function TemplatePicker({
  templates,
  failed,
  projects,
  selected,
  onPick,
  search,
  onSearch,
}: {
  templates: TemplateJson[] | undefined;
  failed: boolean;
  projects: Choice[];
  selected: string;
  onPick: (t: TemplateJson | null) => void;
  search: string;
  onSearch: (s: string) => void;
}) {
  const q = search.trim().toLowerCase();
  const shown = (templates ?? []).filter(
    (t) =>
      !q || t.name.toLowerCase().includes(q) || t.slug.includes(q) || (t.description ?? "").toLowerCase().includes(q),
  );
  const projectName = (id: string | null) => projects.find((p) => p.id === id)?.name;
  return (
    <fieldset className="flex flex-col gap-2 text-sm">
      <legend className="mb-1 font-medium">Start from a template</legend>
      <label className="flex flex-col gap-1">
        <span className="sr-only">Search templates</span>
        <input
          type="search"
          value={search}
          onChange={(e) => onSearch(e.target.value)}
          placeholder="Search templates"
          maxLength={200}
          className="input"
        />
      </label>
      <div className="flex max-h-52 flex-col gap-2 overflow-y-auto rounded-md border border-zinc-200 p-2 dark:border-zinc-700">
        <label className="flex items-center gap-2">
          <input type="radio" name="template" checked={selected === ""} onChange={() => onPick(null)} />
          None: set it up by hand
        </label>
        {failed && <p className="text-xs text-red-800 dark:text-red-300">The templates could not be loaded.</p>}
        {!templates && !failed && <p className="text-xs text-zinc-600 dark:text-zinc-400">Loading templates…</p>}
        {templates &&
          GROUPS.map((g) => {
            const items = shown.filter((t) => t.scope === g.scope);
            if (items.length === 0) return null;
            return (
              <div key={g.scope} role="group" aria-label={g.group} className="flex flex-col gap-1">
                <p aria-hidden className="text-xs font-medium uppercase text-zinc-600 dark:text-zinc-400">
                  {g.label}
                </p>
                {items.map((t) => (
                  <label key={t.id} className="flex items-start gap-2" data-template-choice={t.slug}>
                    <input
                      type="radio"
                      name="template"
                      className="mt-1"
                      checked={selected === t.id}
                      onChange={() => onPick(t)}
                      aria-label={t.name}
                      aria-describedby={`template-choice-${t.id}`}
                    />
                    <span>
                      {t.name}
                      <span id={`template-choice-${t.id}`} className="block text-xs text-zinc-600 dark:text-zinc-400">
                        {[t.scope === "project" ? projectName(t.projectId) : null, t.harness, t.model, t.description]
                          .filter(Boolean)
                          .join(" · ")}
                      </span>
                    </span>
                  </label>
                ))}
              </div>
            );
          })}
        {templates && q && shown.length === 0 && (
          <p className="text-xs text-zinc-600 dark:text-zinc-400">No templates match.</p>
        )}
      </div>
    </fieldset>
  );
}
