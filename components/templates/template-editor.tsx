"use client";

import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { HarnessJson } from "@/lib/harnesses/list-harnesses";
import { api, describeError } from "../data/api";
import { harnessConfigKeys, harnessKeys } from "../data/query-keys";
import { ErrorNote } from "../ui/error-note";
import { Modal } from "../ui/modal";
import { MarkdownPreview } from "./markdown-preview";
import { envToText, ScopeFields, readScope, textToEnv, type ScopeProject, type Viewer } from "./scoped-parts";
import type { HarnessConfigJson, TemplateFile, TemplateJson } from "./types";

export type TemplateEditing = { mode: "create" } | { mode: "edit" | "view"; template: TemplateJson };

const MAX_FILES = 20;

/**
 * Create, edit or (read-only: built-in, or not the viewer's to change) view a template: harness
 * config or harness, model, task, instructions with a preview, system prompt, env, the secret
 * names it needs, limits, image and files for the workspace or HOME.
 */
export function TemplateEditor({
  editing,
  projects,
  viewer,
  onSave,
  onClose,
  defaultProjectId,
}: {
  editing: TemplateEditing | null;
  projects: ScopeProject[];
  viewer: Viewer;
  onSave: (body: Record<string, unknown>, id?: string) => Promise<unknown>;
  onClose: () => void;
  defaultProjectId?: string;
}) {
  const template = editing && editing.mode !== "create" ? editing.template : null;
  const readOnly = editing?.mode === "view";
  const [instructions, setInstructions] = useState("");
  const [preview, setPreview] = useState(false);
  const [files, setFiles] = useState<TemplateFile[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const harnesses = useQuery({
    queryKey: harnessKeys.all,
    queryFn: async () => (await api<{ items: HarnessJson[] }>("/api/v1/harnesses")).body.items,
    enabled: editing !== null,
    staleTime: 30_000,
  }).data;
  const configs = useQuery({
    queryKey: harnessConfigKeys.list(),
    queryFn: async () => (await api<{ items: HarnessConfigJson[] }>("/api/v1/harness-configs")).body.items,
    enabled: editing !== null,
    staleTime: 30_000,
  }).data;
  const reset = () => {
    setInstructions(template?.instructions ?? "");
    setFiles(template?.files ?? []);
    setPreview(false);
    setError(null);
  };

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (readOnly) return;
    const form = new FormData(e.currentTarget);
    const text = (k: string) => String(form.get(k) ?? "").trim();
    const orNull = (k: string) => text(k) || null;
    let env: Record<string, string>;
    try {
      env = textToEnv(String(form.get("env") ?? ""));
    } catch (err) {
      setError(`Environment: ${(err as Error).message}`);
      return;
    }
    const limits = {
      ...(text("maxTurns") && { maxTurns: Number(text("maxTurns")) }),
      ...(text("maxDurationMinutes") && { maxDurationMinutes: Number(text("maxDurationMinutes")) }),
    };
    const fields = {
      name: text("name"),
      description: orNull("description"),
      harnessConfigId: orNull("harnessConfigId"),
      harness: orNull("harness"),
      model: orNull("model"),
      task: orNull("task"),
      instructions: instructions.trim() ? instructions : null,
      systemPrompt: orNull("systemPrompt"),
      env,
      secrets: text("secrets")
        .split(/[\s,]+/)
        .filter(Boolean),
      limits,
      image: orNull("image"),
      files: files.filter((f) => f.path.trim()),
    };
    // A new one leaves out what is empty; an edit clears it.
    const body = template
      ? fields
      : {
          ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null)),
          ...(text("slug") && { slug: text("slug") }),
          ...readScope(form),
        };
    setBusy(true);
    try {
      await onSave(body, template?.id);
      onClose();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const title = !editing
    ? ""
    : editing.mode === "create"
      ? "New template"
      : `${readOnly ? "Template" : "Edit template"} ${editing.template.name}`;
  const setFile = (i: number, patch: Partial<TemplateFile>) =>
    setFiles((fs) => fs.map((f, j) => (j === i ? { ...f, ...patch } : f)));
  return (
    <Modal
      open={editing !== null}
      onClose={onClose}
      onOpen={reset}
      labelledBy="template-editor-title"
      width="max-w-3xl"
    >
      {editing && (
        <form
          key={template?.id ?? "new"}
          onSubmit={(e) => void submit(e)}
          className="flex max-h-[85vh] flex-col gap-4 overflow-y-auto p-5"
        >
          <h2 id="template-editor-title" className="text-base font-semibold">
            {title}
          </h2>
          {readOnly && (
            <p className="rounded-md bg-amber-50 p-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">
              {template?.builtIn
                ? "Built-in: read-only. Clone it to make an editable copy."
                : "You may not change this template; clone it to make your own copy."}
            </p>
          )}
          <fieldset disabled={readOnly} className="flex flex-col gap-4">
            <legend className="sr-only">Template</legend>
            <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
              <label className="flex flex-col gap-1 text-sm">
                Name
                <input name="name" required maxLength={100} defaultValue={template?.name} className="input" autoFocus />
              </label>
              {template ? (
                <p className="flex flex-col gap-1 text-sm">
                  <span>Slug</span>
                  <span className="py-1.5 font-mono text-xs">{template.slug}</span>
                </p>
              ) : (
                <label className="flex flex-col gap-1 text-sm">
                  Slug <span className="text-xs text-zinc-600 dark:text-zinc-400">(optional; from the name)</span>
                  <input name="slug" maxLength={63} pattern="[a-z0-9][a-z0-9\-]*" className="input font-mono" />
                </label>
              )}
            </div>
            {!template && (
              <ScopeFields
                projects={projects}
                viewer={viewer}
                idPrefix="template"
                defaultScope={defaultProjectId ? "project" : "user"}
                defaultProjectId={defaultProjectId}
              />
            )}
            <label className="flex flex-col gap-1 text-sm">
              Description
              <input name="description" maxLength={500} defaultValue={template?.description ?? ""} className="input" />
            </label>
            <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
              <label className="flex flex-col gap-1 text-sm">
                Harness config
                <select
                  key={configs ? "loaded" : "loading"}
                  name="harnessConfigId"
                  className="input"
                  defaultValue={template?.harnessConfigId ?? ""}
                >
                  <option value="">None</option>
                  {(configs ?? []).map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name} ({c.harness})
                    </option>
                  ))}
                </select>
              </label>
              <div className="flex flex-col gap-1 text-sm">
                <label htmlFor="template-harness">Harness</label>
                <select
                  id="template-harness"
                  key={harnesses ? "loaded" : "loading"}
                  name="harness"
                  className="input"
                  defaultValue={template?.harness ?? ""}
                >
                  <option value="">From the harness config</option>
                  {(harnesses ?? []).map((h) => (
                    <option key={h.id} value={h.id}>
                      {h.name}
                    </option>
                  ))}
                  {template?.harness && !harnesses?.some((h) => h.id === template.harness) && (
                    <option value={template.harness}>{template.harness}</option>
                  )}
                </select>
              </div>
              <label className="flex flex-col gap-1 text-sm">
                Model
                <input
                  name="model"
                  maxLength={200}
                  pattern="[A-Za-z0-9][A-Za-z0-9._:/@\-]*"
                  defaultValue={template?.model ?? ""}
                  className="input font-mono"
                />
              </label>
            </div>
            <label className="flex flex-col gap-1 text-sm">
              Task <span className="text-xs text-zinc-600 dark:text-zinc-400">(the first prompt; optional)</span>
              <textarea name="task" rows={2} maxLength={65536} defaultValue={template?.task ?? ""} className="input" />
            </label>
            <div className="flex flex-col gap-1 text-sm">
              <div className="flex items-center gap-2">
                <label htmlFor="template-instructions">Instructions</label>
                <span className="text-xs text-zinc-600 dark:text-zinc-400">
                  (written to the harness&apos;s instructions file: CLAUDE.md, GEMINI.md, AGENTS.md)
                </span>
                <button
                  type="button"
                  className="btn-secondary ml-auto text-xs"
                  aria-pressed={preview}
                  onClick={() => setPreview((p) => !p)}
                >
                  {preview ? "Edit" : "Preview"}
                </button>
              </div>
              {preview ? (
                <MarkdownPreview text={instructions} label="Instructions preview" />
              ) : (
                <textarea
                  id="template-instructions"
                  rows={8}
                  maxLength={262144}
                  value={instructions}
                  onChange={(e) => setInstructions(e.target.value)}
                  className="input font-mono text-xs"
                />
              )}
            </div>
            <label className="flex flex-col gap-1 text-sm">
              System prompt{" "}
              <span className="text-xs text-zinc-600 dark:text-zinc-400">(where the harness supports one)</span>
              <textarea
                name="systemPrompt"
                rows={2}
                maxLength={65536}
                defaultValue={template?.systemPrompt ?? ""}
                className="input"
              />
            </label>
            <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
              <label className="flex flex-col gap-1 text-sm">
                Environment <span className="text-xs text-zinc-600 dark:text-zinc-400">(KEY=value, one a line)</span>
                <textarea
                  name="env"
                  rows={3}
                  defaultValue={envToText(template?.env)}
                  className="input font-mono text-xs"
                />
              </label>
              <label className="flex flex-col gap-1 text-sm">
                Secrets it needs{" "}
                <span className="text-xs text-zinc-600 dark:text-zinc-400">(names, separated by commas)</span>
                <input
                  name="secrets"
                  defaultValue={template?.secrets.join(", ") ?? ""}
                  placeholder="ANTHROPIC_API_KEY, GITHUB_TOKEN"
                  className="input font-mono text-xs"
                />
              </label>
            </div>
            <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
              <label className="flex flex-col gap-1 text-sm">
                Max turns
                <input
                  name="maxTurns"
                  type="number"
                  min={1}
                  max={100000}
                  defaultValue={template?.limits.maxTurns ?? ""}
                  className="input"
                />
              </label>
              <label className="flex flex-col gap-1 text-sm">
                Max minutes
                <input
                  name="maxDurationMinutes"
                  type="number"
                  min={1}
                  max={10080}
                  defaultValue={template?.limits.maxDurationMinutes ?? ""}
                  className="input"
                />
              </label>
              <label className="flex flex-col gap-1 text-sm">
                Docker image
                <input name="image" maxLength={500} defaultValue={template?.image ?? ""} className="input font-mono" />
              </label>
            </div>
            <fieldset className="flex flex-col gap-2 text-sm">
              <legend className="mb-1">
                Files{" "}
                <span className="text-xs text-zinc-600 dark:text-zinc-400">
                  (placed in the workspace or HOME; at most {MAX_FILES}, 64 KiB each)
                </span>
              </legend>
              {files.map((f, i) => (
                <div
                  key={i}
                  className="grid grid-cols-1 gap-2 rounded-md border border-zinc-200 p-2 sm:grid-cols-[2fr_1fr_auto] dark:border-zinc-700"
                >
                  <label className="flex flex-col gap-1">
                    Path of file {i + 1}
                    <input
                      value={f.path}
                      required
                      maxLength={255}
                      onChange={(e) => setFile(i, { path: e.target.value })}
                      className="input font-mono text-xs"
                    />
                  </label>
                  <label className="flex flex-col gap-1">
                    Place file {i + 1} in
                    <select
                      value={f.target}
                      onChange={(e) => setFile(i, { target: e.target.value as TemplateFile["target"] })}
                      className="input"
                    >
                      <option value="workspace">the workspace</option>
                      <option value="home">HOME</option>
                    </select>
                  </label>
                  <button
                    type="button"
                    className="btn-secondary self-end"
                    onClick={() => setFiles((fs) => fs.filter((_, j) => j !== i))}
                  >
                    Remove file {i + 1}
                  </button>
                  <label className="flex flex-col gap-1 sm:col-span-3">
                    Content of file {i + 1}
                    <textarea
                      value={f.content}
                      rows={3}
                      maxLength={65536}
                      onChange={(e) => setFile(i, { content: e.target.value })}
                      className="input font-mono text-xs"
                    />
                  </label>
                </div>
              ))}
              {files.length < MAX_FILES && (
                <button
                  type="button"
                  className="btn-secondary self-start"
                  onClick={() => setFiles((fs) => [...fs, { path: "", content: "", target: "workspace" }])}
                >
                  Add a file
                </button>
              )}
            </fieldset>
          </fieldset>
          {error && <ErrorNote>{error}</ErrorNote>}
          <div className="flex justify-end gap-2">
            <button type="button" className="btn-secondary" onClick={onClose}>
              {readOnly ? "Close" : "Cancel"}
            </button>
            {!readOnly && (
              <button type="submit" className="btn-primary" disabled={busy}>
                {busy ? "Saving…" : template ? "Save template" : "Create template"}
              </button>
            )}
          </div>
        </form>
      )}
    </Modal>
  );
}
