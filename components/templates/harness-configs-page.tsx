"use client";

import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../data/api";
import { harnessConfigKeys } from "../data/query-keys";
import { Icon } from "../ui/icons";
import { TableHead } from "../ui/table-head";
import { useToast } from "../ui/toast";
import { HarnessConfigEditor, type HarnessConfigEditing } from "./harness-config-editor";
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
import type { HarnessConfigJson } from "./types";

/** Harness configs the viewer can see, with scope badges and search; create, edit, clone, delete. */
export function HarnessConfigsPage({ viewer, projects }: { viewer: Viewer; projects: ScopeProject[] }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [scope, setScope] = useState<ScopeFilter>("all");
  const [search, setSearch] = useState("");
  const [editing, setEditing] = useState<HarnessConfigEditing | null>(null);
  const [cloning, setCloning] = useState<Scoped | null>(null);
  const [deleting, setDeleting] = useState<Scoped | null>(null);
  const params: Record<string, string> = { ...(scope !== "all" && { scope }) };
  if (search.trim()) params.search = search.trim();
  const list = useQuery({
    queryKey: harnessConfigKeys.list(params),
    queryFn: async () =>
      (await api<{ items: HarnessConfigJson[] }>(`/api/v1/harness-configs?${new URLSearchParams(params).toString()}`))
        .body.items,
    placeholderData: keepPreviousData,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: harnessConfigKeys.all });
  const save = async (body: Record<string, unknown>, id?: string) => {
    const { body: saved } = await api<HarnessConfigJson>(
      id ? `/api/v1/harness-configs/${id}` : "/api/v1/harness-configs",
      { method: id ? "PATCH" : "POST", json: body },
    );
    toast(`${id ? "Saved" : "Created"} harness config ${saved.name}.`, "success");
    await refresh();
  };
  const clone = async (item: Scoped, body: Record<string, unknown>) => {
    const { body: copy } = await api<HarnessConfigJson>(`/api/v1/harness-configs/${item.id}/clone`, {
      method: "POST",
      json: body,
    });
    toast(`Cloned ${item.name} as ${copy.name}.`, "success");
    await refresh();
  };
  const remove = async (item: Scoped) => {
    await api(`/api/v1/harness-configs/${item.id}`, { method: "DELETE" });
    toast(`Deleted harness config ${item.name}.`, "success");
    await refresh();
  };
  const items = list.data;
  return (
    <section aria-labelledby="configs-heading" className="flex flex-col gap-4">
      <div className="flex flex-wrap items-center gap-3">
        <h1 id="configs-heading" className="text-xl font-semibold">
          Harness configs
        </h1>
        <button type="button" className="btn-primary ml-auto" onClick={() => setEditing({ mode: "create" })}>
          <Icon name="plus" /> New harness config
        </button>
      </div>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        A harness config is a named set of harness settings — harness, model, auth type, extra settings and env — that
        templates build on.
      </p>
      <ScopeFilters noun="harness config" scope={scope} onScope={setScope} search={search} onSearch={setSearch} />
      <div aria-busy={list.isFetching}>
        {list.isError && (
          <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
            The harness configs could not be loaded: {list.error.message}
          </p>
        )}
        {!items && !list.isError && <div className="card h-32 animate-pulse" aria-label="Loading harness configs" />}
        {items && items.length === 0 && (
          <p className="rounded-lg border border-dashed border-zinc-300 p-6 text-center text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
            {search.trim() || scope !== "all" ? "No harness configs match." : "No harness configs yet."}
          </p>
        )}
        {items && items.length > 0 && (
          <div className="card overflow-x-auto">
            <table className="w-full text-left text-sm" aria-label="Harness configs">
              <TableHead columns={["Name", "Scope", "Harness", "Model", { label: "Actions", srOnly: true }]} />
              <tbody>
                {items.map((c) => {
                  const writable = canWrite(c, viewer, projects);
                  return (
                    <tr
                      key={c.id}
                      data-config={c.slug}
                      className="border-b border-zinc-100 last:border-0 dark:border-zinc-800"
                    >
                      <td className="px-3 py-2">
                        <button
                          type="button"
                          className="font-medium hover:underline focus-visible:outline-2 focus-visible:outline-blue-600"
                          onClick={() => setEditing({ mode: writable ? "edit" : "view", config: c })}
                        >
                          {c.name}
                        </button>
                        <span className="block font-mono text-xs text-zinc-600 dark:text-zinc-400">{c.slug}</span>
                      </td>
                      <td className="px-3 py-2">
                        <ScopeBadge item={c} viewer={viewer} projects={projects} />
                      </td>
                      <td className="px-3 py-2">{c.harness}</td>
                      <td className="px-3 py-2 font-mono text-xs">{c.model ?? "default"}</td>
                      <td className="whitespace-nowrap px-3 py-2 text-right">
                        <button
                          type="button"
                          className="btn-secondary mr-2"
                          aria-label={`${writable ? "Edit" : "View"} harness config ${c.name}`}
                          onClick={() => setEditing({ mode: writable ? "edit" : "view", config: c })}
                        >
                          {writable ? "Edit" : "View"}
                        </button>
                        <button
                          type="button"
                          className="btn-secondary mr-2"
                          aria-label={`Clone harness config ${c.name}`}
                          onClick={() => setCloning(c)}
                        >
                          Clone
                        </button>
                        {writable && (
                          <button
                            type="button"
                            className="btn-secondary"
                            aria-label={`Delete harness config ${c.name}`}
                            onClick={() => setDeleting(c)}
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
      <HarnessConfigEditor
        editing={editing}
        projects={projects}
        viewer={viewer}
        onSave={save}
        onClose={() => setEditing(null)}
      />
      <CloneDialog
        noun="harness config"
        item={cloning}
        projects={projects}
        viewer={viewer}
        onClone={clone}
        onClose={() => setCloning(null)}
      />
      <DeleteDialog noun="harness config" item={deleting} onDelete={remove} onClose={() => setDeleting(null)}>
        Templates that use it must be changed first.
      </DeleteDialog>
    </section>
  );
}
