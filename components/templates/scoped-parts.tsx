"use client";

import { useState, type FormEvent, type ReactNode } from "react";
import { describeError, RequestError } from "../data/api";
import { ErrorNote } from "../ui/error-note";
import { Modal } from "../ui/modal";
import type { ConfigScope } from "./types";

/** A project the viewer can see, and whether they manage it (may write its templates). */
export interface ScopeProject {
  id: string;
  slug: string;
  name: string;
  canManage: boolean;
}

export interface Viewer {
  id: string;
  isAdmin: boolean;
}

/** Anything with a scope: a template or a harness config. */
export interface Scoped {
  id: string;
  name: string;
  slug: string;
  scope: ConfigScope;
  projectId: string | null;
  userId: string | null;
  builtIn: boolean;
}

/** Whether the viewer may change or delete it: hub → admins, project → its managers, user → the owner; built-ins never. */
export function canWrite(item: Scoped, viewer: Viewer, projects: ScopeProject[]): boolean {
  if (item.builtIn) return false;
  if (item.scope === "hub") return viewer.isAdmin;
  if (item.scope === "project") return viewer.isAdmin || projects.some((p) => p.id === item.projectId && p.canManage);
  return item.userId === viewer.id;
}

const BADGE: Record<string, string> = {
  hub: "bg-violet-100 text-violet-900 dark:bg-violet-900/40 dark:text-violet-100",
  project: "bg-sky-100 text-sky-900 dark:bg-sky-900/40 dark:text-sky-100",
  mine: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900/40 dark:text-emerald-100",
  user: "bg-zinc-100 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200",
};

/** hub / project: <name> / mine, with built-in marked. */
export function ScopeBadge({ item, viewer, projects }: { item: Scoped; viewer: Viewer; projects: ScopeProject[] }) {
  const kind = item.scope === "user" ? (item.userId === viewer.id ? "mine" : "user") : item.scope;
  const project = item.scope === "project" ? projects.find((p) => p.id === item.projectId) : undefined;
  return (
    <span className="inline-flex flex-wrap gap-1">
      <span data-scope={kind} className={`rounded-full px-2 py-0.5 text-xs font-medium ${BADGE[kind]}`}>
        {kind === "project" && project ? `project: ${project.name}` : kind}
      </span>
      {item.builtIn && (
        <span className="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-900/40 dark:text-amber-100">
          built-in
        </span>
      )}
    </span>
  );
}

export const SCOPE_FILTERS = [
  { id: "all", label: "All" },
  { id: "hub", label: "Hub" },
  { id: "project", label: "Project" },
  { id: "user", label: "Mine" },
] as const;
export type ScopeFilter = (typeof SCOPE_FILTERS)[number]["id"];

/** The filters bar: scope chips and a search box. */
export function ScopeFilters({
  noun,
  scope,
  onScope,
  search,
  onSearch,
}: {
  noun: string;
  scope: ScopeFilter;
  onScope: (s: ScopeFilter) => void;
  search: string;
  onSearch: (s: string) => void;
}) {
  return (
    <div className="flex flex-wrap items-center gap-2">
      <div role="group" aria-label="Filter by scope" className="flex flex-wrap gap-1.5">
        {SCOPE_FILTERS.map((f) => (
          <button
            key={f.id}
            type="button"
            aria-pressed={scope === f.id}
            onClick={() => onScope(f.id)}
            className="rounded-full border border-zinc-300 px-3 py-1 text-xs font-medium hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-blue-600 aria-pressed:border-blue-700 aria-pressed:bg-blue-700 aria-pressed:text-white dark:border-zinc-600 dark:hover:bg-zinc-800"
          >
            {f.label}
          </button>
        ))}
      </div>
      <label className="ml-auto flex items-center gap-2 text-sm">
        <span className="sr-only">Search {noun}s</span>
        <input
          type="search"
          placeholder="Search by name"
          value={search}
          maxLength={200}
          onChange={(e) => onSearch(e.target.value)}
          className="input w-56"
        />
      </label>
    </div>
  );
}

/** Where a new one (or a copy) goes: mine, a project the viewer manages, or the hub (admins). */
export function ScopeFields({
  projects,
  viewer,
  idPrefix,
  defaultScope = "user",
  defaultProjectId,
}: {
  projects: ScopeProject[];
  viewer: Viewer;
  idPrefix: string;
  defaultScope?: ConfigScope;
  defaultProjectId?: string;
}) {
  const managed = projects.filter((p) => p.canManage || viewer.isAdmin);
  const [scope, setScope] = useState<ConfigScope>(defaultScope);
  return (
    <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
      <div className="flex flex-col gap-1 text-sm">
        <label htmlFor={`${idPrefix}-scope`}>Scope</label>
        <select
          id={`${idPrefix}-scope`}
          name="scope"
          className="input"
          value={scope}
          onChange={(e) => setScope(e.target.value as ConfigScope)}
        >
          <option value="user">Mine (only you)</option>
          {managed.length > 0 && <option value="project">A project (its members)</option>}
          {viewer.isAdmin && <option value="hub">Hub (everyone)</option>}
        </select>
      </div>
      {scope === "project" && (
        <div className="flex flex-col gap-1 text-sm">
          <label htmlFor={`${idPrefix}-project`}>Project</label>
          <select
            id={`${idPrefix}-project`}
            name="projectId"
            required
            className="input"
            defaultValue={defaultProjectId}
          >
            {managed.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
      )}
    </div>
  );
}

/** The scope fields of a form as the API takes them. */
export function readScope(form: FormData): { scope: ConfigScope; projectId?: string } {
  const scope = (String(form.get("scope") ?? "user") || "user") as ConfigScope;
  return scope === "project" ? { scope, projectId: String(form.get("projectId") ?? "") } : { scope };
}

/** Copy one into a scope the viewer may write, under a new name. */
export function CloneDialog({
  noun,
  item,
  projects,
  viewer,
  onClone,
  onClose,
}: {
  noun: string;
  item: Scoped | null;
  projects: ScopeProject[];
  viewer: Viewer;
  onClone: (
    item: Scoped,
    body: { name: string; slug?: string; scope: ConfigScope; projectId?: string },
  ) => Promise<unknown>;
  onClose: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!item) return;
    const form = new FormData(e.currentTarget);
    const slug = String(form.get("slug") ?? "").trim();
    setBusy(true);
    try {
      await onClone(item, { name: String(form.get("name") ?? "").trim(), ...(slug && { slug }), ...readScope(form) });
      onClose();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open={item !== null} onClose={onClose} onOpen={() => setError(null)} labelledBy="clone-title">
      {item && (
        <form onSubmit={(e) => void submit(e)} className="flex flex-col gap-4 p-5">
          <h2 id="clone-title" className="text-base font-semibold">
            Clone {noun} {item.name}
          </h2>
          <label className="flex flex-col gap-1 text-sm">
            Name of the copy
            <input
              name="name"
              required
              maxLength={100}
              defaultValue={`${item.name} copy`}
              className="input"
              autoFocus
            />
          </label>
          <label className="flex flex-col gap-1 text-sm">
            Slug <span className="text-xs text-zinc-600 dark:text-zinc-400">(optional; from the name when empty)</span>
            <input name="slug" maxLength={63} pattern="[a-z0-9][a-z0-9\-]*" className="input font-mono" />
          </label>
          <ScopeFields projects={projects} viewer={viewer} idPrefix="clone" />
          {error && <ErrorNote>{error}</ErrorNote>}
          <div className="flex justify-end gap-2">
            <button type="button" className="btn-secondary" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="btn-primary" disabled={busy}>
              {busy ? "Cloning…" : "Clone"}
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}

/**
 * Delete, asked first; a refusal (409: in use by a project default or a template) stays in the
 * dialog with the hub's sentence, which names what uses it.
 */
export function DeleteDialog({
  noun,
  item,
  onDelete,
  onClose,
  children,
}: {
  noun: string;
  item: Scoped | null;
  onDelete: (item: Scoped) => Promise<unknown>;
  onClose: () => void;
  children?: ReactNode;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    if (!item) return;
    setBusy(true);
    try {
      await onDelete(item);
      onClose();
    } catch (err) {
      setError(err instanceof RequestError && err.status === 409 ? err.message : `Not deleted: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={item !== null}
      onClose={onClose}
      onOpen={() => setError(null)}
      labelledBy="delete-title"
      width="max-w-md"
    >
      <div className="flex flex-col gap-3 p-5">
        <h2 id="delete-title" className="text-base font-semibold">
          Delete {noun} {item?.name ?? ""}?
        </h2>
        <div className="text-sm text-zinc-700 dark:text-zinc-300">{children}</div>
        {error && <ErrorNote>{error}</ErrorNote>}
        <div className="flex justify-end gap-2">
          <button type="button" className="btn-secondary" onClick={onClose}>
            {error ? "Close" : "Cancel"}
          </button>
          <button type="button" className="btn-danger" disabled={busy || error !== null} onClick={() => void confirm()}>
            {busy ? "Deleting…" : "Delete"}
          </button>
        </div>
      </div>
    </Modal>
  );
}

/** `KEY=value` lines ⇄ an env map. */
export function envToText(env: Record<string, string> | undefined | null): string {
  return Object.entries(env ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
}

export function textToEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith("#")) continue;
    const at = trimmed.indexOf("=");
    if (at <= 0) throw new Error(`"${trimmed}" is not KEY=value`);
    env[trimmed.slice(0, at).trim()] = trimmed.slice(at + 1);
  }
  return env;
}
