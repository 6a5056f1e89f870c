"use client";

import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../data/api";
import { templateKeys } from "../data/query-keys";
import { Icon } from "../ui/icons";
import { TableHead } from "../ui/table-head";
import { useToast } from "../ui/toast";
import {
  canWrite,
  CloneDialog,
  DeleteDialog,
  ScopeBadge,
  ScopeFilters,
  type ScopeFilter,
  type ScopeProject,
  type Scoped,
  type Viewer,
} from "./scoped-parts";
import { TemplateEditor, type TemplateEditing } from "./template-editor";
import type { TemplateJson } from "./types";

/**
 * Templates the viewer can see — the hub's, their projects' and their own — with scope badges,
 * scope chips and search; create, view or edit (instructions with a preview), clone, delete.
 * On a project page (`project`), only that project's, and new ones go to it.
 */
export function TemplatesPage({
  viewer,
  projects,
  project,
}: {
  viewer: Viewer;
  projects: ScopeProject[];
  project?: ScopeProject;
}) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [scope, setScope] = useState<ScopeFilter>("all");
  const [search, setSearch] = useState("");
  const [editing, setEditing] = useState<TemplateEditing | null>(null);
  const [cloning, setCloning] = useState<Scoped | null>(null);
  const [deleting, setDeleting] = useState<Scoped | null>(null);
  const params: Record<string, string> = project
    ? { scope: "project", projectId: project.id }
    : { ...(scope !== "all" && { scope }) };
  if (search.trim()) params.search = search.trim();
  const list = useQuery({
    queryKey: templateKeys.list(params),
    queryFn: async () =>
      (await api<{ items: TemplateJson[] }>(`/api/v1/templates?${new URLSearchParams(params).toString()}`)).body.items,
    placeholderData: keepPreviousData,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: templateKeys.all });
  const save = async (body: Record<string, unknown>, id?: string) => {
    const { body: saved } = await api<TemplateJson>(id ? `/api/v1/templates/${id}` : "/api/v1/templates", {
      method: id ? "PATCH" : "POST",
      json: body,
    });
    toast(`${id ? "Saved" : "Created"} template ${saved.name}.`, "success");
    await refresh();
  };
  const clone = async (item: Scoped, body: Record<string, unknown>) => {
    const { body: copy } = await api<TemplateJson>(`/api/v1/templates/${item.id}/clone`, {
      method: "POST",
      json: body,
    });
    toast(`Cloned ${item.name} as ${copy.name}.`, "success");
    await refresh();
  };
  const remove = async (item: Scoped) => {
    await api(`/api/v1/templates/${item.id}`, { method: "DELETE" });
    toast(`Deleted template ${item.name}.`, "success");
    await refresh();
  };
  const Heading = project ? "h2" : "h1";
  const items = list.data;
  return (
    <section aria-labelledby="templates-heading" className="flex flex-col gap-4">
      <div className="flex flex-wrap items-center gap-3">
        <Heading id="templates-heading" className={project ? "text-base font-semibold" : "text-xl font-semibold"}>
          {project ? "Templates of this project" : "Templates"}
        </Heading>
        {(!project || project.canManage || viewer.isAdmin) && (
          <button type="button" className="btn-primary ml-auto" onClick={() => setEditing({ mode: "create" })}>
            <Icon name="plus" /> New template
          </button>
        )}
      </div>
      {!project && (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          A template is a ready agent set-up: harness, model, instructions, env, the secrets it needs, limits and files.
          Start an agent from one in the New agent dialog.
        </p>
      )}
      {!project && (
        <ScopeFilters noun="template" scope={scope} onScope={setScope} search={search} onSearch={setSearch} />
      )}
      <div aria-busy={list.isFetching}>
        {list.isError && (
          <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
            The templates could not be loaded: {list.error.message}
          </p>
        )}
        {!items && !list.isError && <div className="card h-32 animate-pulse" aria-label="Loading templates" />}
        {items && items.length === 0 && (
          <p className="rounded-lg border border-dashed border-zinc-300 p-6 text-center text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
            {search.trim() || scope !== "all" ? "No templates match." : "No templates yet."}
          </p>
        )}
        {items && items.length > 0 && (
          <div className="card overflow-x-auto">
            <table className="w-full text-left text-sm" aria-label="Templates">
              <TableHead columns={["Name", "Scope", "Harness", "Description", { label: "Actions", srOnly: true }]} />
              <tbody>
                {items.map((t) => {
                  const writable = canWrite(t, viewer, projects);
                  return (
                    <tr
                      key={t.id}
                      data-template={t.slug}
                      className="border-b border-zinc-100 last:border-0 dark:border-zinc-800"
                    >
                      <td className="px-3 py-2">
                        <button
                          type="button"
                          className="font-medium hover:underline focus-visible:outline-2 focus-visible:outline-blue-600"
                          onClick={() => setEditing({ mode: writable ? "edit" : "view", template: t })}
                        >
                          {t.name}
                        </button>
                        <span className="block font-mono text-xs text-zinc-600 dark:text-zinc-400">{t.slug}</span>
                      </td>
                      <td className="px-3 py-2">
                        <ScopeBadge item={t} viewer={viewer} projects={projects} />
                      </td>
                      <td className="px-3 py-2">
                        {t.harness ?? "—"}
                        {t.model && <span className="block font-mono text-xs">{t.model}</span>}
                      </td>
                      <td className="max-w-xs px-3 py-2 text-zinc-700 dark:text-zinc-300">
                        <span className="line-clamp-2">{t.description ?? "—"}</span>
                      </td>
                      <td className="whitespace-nowrap px-3 py-2 text-right">
                        <button
                          type="button"
                          className="btn-secondary mr-2"
                          aria-label={`${writable ? "Edit" : "View"} template ${t.name}`}
                          onClick={() => setEditing({ mode: writable ? "edit" : "view", template: t })}
                        >
                          {writable ? "Edit" : "View"}
                        </button>
                        <button
                          type="button"
                          className="btn-secondary mr-2"
                          aria-label={`Clone template ${t.name}`}
                          onClick={() => setCloning(t)}
                        >
                          Clone
                        </button>
                        {writable && (
                          <button
                            type="button"
                            className="btn-secondary"
                            aria-label={`Delete template ${t.name}`}
                            onClick={() => setDeleting(t)}
                          >
                            Delete
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </div>
      <TemplateEditor
        editing={editing}
        projects={projects}
        viewer={viewer}
        onSave={save}
        onClose={() => setEditing(null)}
        defaultProjectId={project?.id}
      />
      <CloneDialog
        noun="template"
        item={cloning}
        projects={projects}
        viewer={viewer}
        onClone={clone}
        onClose={() => setCloning(null)}
      />
      <DeleteDialog noun="template" item={deleting} onDelete={remove} onClose={() => setDeleting(null)}>
        Agents started from it keep what they were created with.
      </DeleteDialog>
    </section>
  );
}
