"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { api } from "../data/api";
import type { ProjectItem } from "../templates/types";
import { projectKeys } from "../data/query-keys";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { ErrorNote } from "../ui/error-note";
import { IconButton } from "../ui/icon-button";
import { TableHead } from "../ui/table-head";
import { useToast } from "../ui/toast";

/**
 * Projects: each links to its page, with its running and waiting-for-input agents, remote and
 * default broker; create one; delete one you created (or any, as admin).
 */
export function ProjectList({
  initial,
  brokers,
  viewerId,
  isAdmin,
}: {
  initial: ProjectItem[];
  brokers: Array<{ id: string; name: string }>;
  viewerId: string;
  isAdmin: boolean;
}) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<ProjectItem | null>(null);
  const projects = useQuery({
    queryKey: projectKeys.list(),
    queryFn: async () =>
      (await api<{ items: ProjectItem[] }>("/api/v1/projects?limit=500&sort=name&order=asc")).body.items,
    initialData: initial,
  }).data;
  const brokerName = new Map(brokers.map((b) => [b.id, b.name]));
  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<ProjectItem>("/api/v1/projects", { method: "POST", json: body }),
    onSuccess: ({ body }, _vars) => {
      setError(null);
      toast(`Created project ${body.name}.`, "success");
    },
    onError: (err) => setError((err as Error).message),
    onSettled: () => queryClient.invalidateQueries({ queryKey: projectKeys.all }),
  });
  const remove = useMutation({
    mutationFn: (p: ProjectItem) => api(`/api/v1/projects/${p.id}`, { method: "DELETE" }),
    onSuccess: (_r, p) => toast(`Deleted project ${p.name}.`, "success"),
    onError: (err) => toast(`The project was not deleted: ${(err as Error).message}`, "error"),
    onSettled: () => queryClient.invalidateQueries({ queryKey: projectKeys.all }),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const text = (k: string) => String(data.get(k) ?? "").trim();
    create.mutate(
      {
        name: text("name"),
        ...(text("gitRemote") && { gitRemote: text("gitRemote") }),
        ...(text("defaultBrokerId") && { defaultBrokerId: text("defaultBrokerId") }),
      },
      { onSuccess: () => form.reset() },
    );
  };
  return (
    <section aria-labelledby="projects-heading" className="flex flex-col gap-6">
      <h1 id="projects-heading" className="text-xl font-semibold">
        Projects
      </h1>
      <form
        onSubmit={submit}
        className="card grid grid-cols-1 gap-3 p-4 md:grid-cols-[1fr_2fr_1fr_auto] md:items-end"
        aria-label="New project"
      >
        <label className="flex flex-col gap-1 text-sm">
          Name
          <input name="name" required maxLength={100} className="input" />
        </label>
        <label className="flex flex-col gap-1 text-sm">
          Git remote <span className="sr-only">(optional)</span>
          <input
            name="gitRemote"
            maxLength={500}
            placeholder="https://github.com/org/repo.git (optional)"
            className="input"
          />
        </label>
        <label className="flex flex-col gap-1 text-sm">
          Default broker
          <select name="defaultBrokerId" className="input" defaultValue="">
            <option value="">Any online broker</option>
            {brokers.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn-primary" disabled={create.isPending}>
          Create project
        </button>
        {error && (
          <div className="md:col-span-4">
            <ErrorNote>{error}</ErrorNote>
          </div>
        )}
      </form>
      {projects.length === 0 ? (
        <div className="rounded-lg border border-dashed border-zinc-300 p-10 text-center dark:border-zinc-700">
          <h2 className="font-medium">No projects yet</h2>
          <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
            A project groups agents and may name a git remote their workspaces are cloned from.
          </p>
        </div>
      ) : (
        <div className="card overflow-x-auto">
          <table className="w-full text-left text-sm">
            <TableHead
              columns={[
                "Name",
                "Slug",
                "Running",
                "Waiting for input",
                "Git remote",
                "Default broker",
                { label: "Actions", srOnly: true },
              ]}
            />
            <tbody>
              {projects.map((p) => (
                <tr
                  key={p.id}
                  data-project={p.slug}
                  className="border-b border-zinc-100 last:border-0 dark:border-zinc-800"
                >
                  <td className="px-3 py-2 font-medium">
                    <Link
                      href={`/projects/${p.slug}`}
                      className="hover:underline focus-visible:outline-2 focus-visible:outline-blue-600"
                    >
                      {p.name}
                    </Link>
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">{p.slug}</td>
                  <td className="px-3 py-2" data-count="running">
                    {p.counts ? p.counts.running : "—"}
                  </td>
                  <td className="px-3 py-2" data-count="waiting">
                    {p.counts ? p.counts.waitingForInput : "—"}
                  </td>
                  <td className="max-w-xs truncate px-3 py-2 font-mono text-xs">{p.gitRemote ?? "—"}</td>
                  <td className="px-3 py-2">
                    {p.defaultBrokerId ? (brokerName.get(p.defaultBrokerId) ?? "—") : "Any online broker"}
                  </td>
                  <td className="px-3 py-2 text-right">
                    {(isAdmin || p.createdBy === `user:${viewerId}` || p.createdBy === viewerId) && (
                      <IconButton
                        icon="trash"
                        tone="danger"
                        label={`Delete project ${p.name}`}
                        onClick={() => setDeleting(p)}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete project ${deleting?.name ?? ""}?`}
        confirmLabel="Delete"
        danger
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(null)}
      >
        Its agents are deleted with it.
      </ConfirmDialog>
    </section>
  );
}
