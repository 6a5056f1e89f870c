"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { SecretJson } from "@/lib/secrets/schemas";
import { api, describeError } from "../data/api";
import { projectKeys, secretKeys, templateKeys } from "../data/query-keys";
import { envToText, textToEnv } from "../templates/scoped-parts";
import type { ProjectItem, TemplateJson } from "../templates/types";
import { ErrorNote } from "../ui/error-note";
import { useToast } from "../ui/toast";

/**
 * A project's settings: name, git remote and default branch, default template and broker, env for
 * every agent, the project secret offered to git as its token, and who sees it. Managers change
 * them (PATCH /projects/{id}); others see them read-only.
 */
export function ProjectSettings({
  project,
  brokers,
  canManage,
}: {
  project: ProjectItem;
  brokers: Array<{ id: string; name: string }>;
  canManage: boolean;
}) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [error, setError] = useState<string | null>(null);
  const templates = useQuery({
    queryKey: templateKeys.list({ projectId: project.id }),
    queryFn: async () => (await api<{ items: TemplateJson[] }>(`/api/v1/templates?projectId=${project.id}`)).body.items,
    staleTime: 30_000,
  }).data;
  const secretNames = useQuery({
    queryKey: secretKeys.scope("project", project.id),
    queryFn: async () =>
      (await api<{ items: SecretJson[] }>(`/api/v1/secrets?scope=project&projectId=${project.id}`)).body.items,
    select: (items: SecretJson[]) => items.filter((s) => s.target === "env").map((s) => s.name),
  }).data;
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<ProjectItem>(`/api/v1/projects/${project.id}`, { method: "PATCH", json: body }),
    onSuccess: () => {
      setError(null);
      toast("Saved the project's settings.", "success");
    },
    onError: (err) => setError(describeError(err)),
    onSettled: () => queryClient.invalidateQueries({ queryKey: projectKeys.all }),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (k: string) => String(form.get(k) ?? "").trim();
    let env: Record<string, string>;
    try {
      env = textToEnv(String(form.get("env") ?? ""));
    } catch (err) {
      setError(`Environment: ${(err as Error).message}`);
      return;
    }
    save.mutate({
      name: text("name"),
      gitRemote: text("gitRemote") || null,
      defaultBranch: text("defaultBranch") || null,
      defaultTemplateId: text("defaultTemplateId") || null,
      defaultBrokerId: text("defaultBrokerId") || null,
      env,
      gitTokenSecret: text("gitTokenSecret") || null,
      visibility: text("visibility") || "hub",
    });
  };
  return (
    <section aria-labelledby="settings-heading" className="card p-4">
      <h2 id="settings-heading" className="text-base font-semibold">
        Settings
      </h2>
      {!canManage && (
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Its creator, its managers and administrators change these.
        </p>
      )}
      <form onSubmit={submit} aria-label="Project settings" className="mt-3">
        <fieldset disabled={!canManage} className="grid grid-cols-1 gap-3 md:grid-cols-2">
          <legend className="sr-only">Project settings</legend>
          <label className="flex flex-col gap-1 text-sm">
            Project name
            <input name="name" required maxLength={100} defaultValue={project.name} className="input" />
          </label>
          <label className="flex flex-col gap-1 text-sm">
            Git remote
            <input
              name="gitRemote"
              maxLength={500}
              defaultValue={project.gitRemote ?? ""}
              placeholder="https://github.com/org/repo.git"
              className="input font-mono text-xs"
            />
          </label>
          <label className="flex flex-col gap-1 text-sm">
            Default branch
            <input
              name="defaultBranch"
              maxLength={200}
              defaultValue={project.defaultBranch ?? ""}
              placeholder="the remote's default"
              className="input font-mono text-xs"
            />
          </label>
          <label className="flex flex-col gap-1 text-sm">
            Default template
            <select
              key={templates ? "loaded" : "loading"}
              name="defaultTemplateId"
              className="input"
              defaultValue={project.defaultTemplateId ?? ""}
            >
              <option value="">None</option>
              {(templates ?? []).map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name} ({t.scope === "user" ? "mine" : t.scope})
                </option>
              ))}
              {project.defaultTemplateId && templates && !templates.some((t) => t.id === project.defaultTemplateId) && (
                <option value={project.defaultTemplateId}>A template you cannot see</option>
              )}
            </select>
          </label>
          <label className="flex flex-col gap-1 text-sm">
            Default broker
            <select name="defaultBrokerId" className="input" defaultValue={project.defaultBrokerId ?? ""}>
              <option value="">Any online broker</option>
              {brokers.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.name}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-col gap-1 text-sm">
            Git token secret{" "}
            <span className="text-xs text-zinc-600 dark:text-zinc-400">
              (a project secret, offered to git for https)
            </span>
            <select
              key={secretNames ? "loaded" : "loading"}
              name="gitTokenSecret"
              className="input"
              defaultValue={project.gitTokenSecret ?? ""}
            >
              <option value="">None</option>
              {(secretNames ?? []).map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
              {project.gitTokenSecret && !secretNames?.includes(project.gitTokenSecret) && (
                <option value={project.gitTokenSecret}>{project.gitTokenSecret}</option>
              )}
            </select>
          </label>
          <label className="flex flex-col gap-1 text-sm">
            Who sees it
            <select name="visibility" className="input" defaultValue={project.visibility ?? "hub"}>
              <option value="hub">Everyone on the hub</option>
              <option value="members">Only its members</option>
            </select>
          </label>
          <label className="flex flex-col gap-1 text-sm md:col-span-2">
            Environment{" "}
            <span className="text-xs text-zinc-600 dark:text-zinc-400">(KEY=value for every agent; not secret)</span>
            <textarea name="env" rows={3} defaultValue={envToText(project.env)} className="input font-mono text-xs" />
          </label>
          <p className="text-sm md:col-span-2">
            <a href={`/secrets?project=${project.id}`} className="underline">
              The project&apos;s secrets
            </a>
          </p>
          {canManage && (
            <div className="flex justify-end md:col-span-2">
              <button type="submit" className="btn-primary" disabled={save.isPending}>
                {save.isPending ? "Saving…" : "Save settings"}
              </button>
            </div>
          )}
          {error && (
            <div className="md:col-span-2">
              <ErrorNote>{error}</ErrorNote>
            </div>
          )}
        </fieldset>
      </form>
    </section>
  );
}
