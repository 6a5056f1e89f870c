"use client";

import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { HarnessJson } from "@/lib/harnesses/list-harnesses";
import { api, describeError } from "../data/api";
import { harnessKeys } from "../data/query-keys";
import { ErrorNote } from "../ui/error-note";
import { Modal } from "../ui/modal";
import { envToText, ScopeFields, readScope, textToEnv, type ScopeProject, type Viewer } from "./scoped-parts";
import type { HarnessConfigJson } from "./types";

export type HarnessConfigEditing = { mode: "create" } | { mode: "edit" | "view"; config: HarnessConfigJson };

/**
 * Create, edit or view a harness config: harness, model, auth type, settings merged into the
 * harness's config file (a JSON object; the hub refuses keys it writes itself), env.
 */
export function HarnessConfigEditor({
  editing,
  projects,
  viewer,
  onSave,
  onClose,
}: {
  editing: HarnessConfigEditing | null;
  projects: ScopeProject[];
  viewer: Viewer;
  onSave: (body: Record<string, unknown>, id?: string) => Promise<unknown>;
  onClose: () => void;
}) {
  const config = editing && editing.mode !== "create" ? editing.config : null;
  const readOnly = editing?.mode === "view";
  const [harness, setHarness] = useState("claude");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const harnesses = useQuery({
    queryKey: harnessKeys.all,
    queryFn: async () => (await api<{ items: HarnessJson[] }>("/api/v1/harnesses")).body.items,
    enabled: editing !== null,
    staleTime: 30_000,
  }).data;
  const chosen = harnesses?.find((h) => h.id === harness);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (readOnly) return;
    const form = new FormData(e.currentTarget);
    const text = (k: string) => String(form.get(k) ?? "").trim();
    let settings: unknown;
    let env: Record<string, string>;
    try {
      settings = text("settings") ? JSON.parse(text("settings")) : {};
      if (typeof settings !== "object" || settings === null || Array.isArray(settings))
        throw new Error("a JSON object, like {}");
    } catch (err) {
      setError(`Settings: ${(err as Error).message}`);
      return;
    }
    try {
      env = textToEnv(String(form.get("env") ?? ""));
    } catch (err) {
      setError(`Environment: ${(err as Error).message}`);
      return;
    }
    const fields = {
      name: text("name"),
      description: text("description") || null,
      harness,
      model: text("model") || null,
      authType: text("authType") || null,
      settings,
      env,
    };
    const body = config
      ? fields
      : {
          ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null)),
          ...(text("slug") && { slug: text("slug") }),
          ...readScope(form),
        };
    setBusy(true);
    try {
      await onSave(body, config?.id);
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
      ? "New harness config"
      : `${readOnly ? "Harness config" : "Edit harness config"} ${editing.config.name}`;
  return (
    <Modal
      open={editing !== null}
      onClose={onClose}
      onOpen={() => {
        setHarness(config?.harness ?? "claude");
        setError(null);
      }}
      labelledBy="config-editor-title"
      width="max-w-2xl"
    >
      {editing && (
        <form
          key={config?.id ?? "new"}
          onSubmit={(e) => void submit(e)}
          className="flex max-h-[85vh] flex-col gap-4 overflow-y-auto p-5"
        >
          <h2 id="config-editor-title" className="text-base font-semibold">
            {title}
          </h2>
          {readOnly && (
            <p className="rounded-md bg-amber-50 p-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">
              {config?.builtIn
                ? "Built-in: read-only. Clone it to make an editable copy."
                : "You may not change this harness config; clone it to make your own copy."}
            </p>
          )}
          <fieldset disabled={readOnly} className="flex flex-col gap-4">
            <legend className="sr-only">Harness config</legend>
            <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
              <label className="flex flex-col gap-1 text-sm">
                Name
                <input name="name" required maxLength={100} defaultValue={config?.name} className="input" autoFocus />
              </label>
              {config ? (
                <p className="flex flex-col gap-1 text-sm">
                  <span>Slug</span>
                  <span className="py-1.5 font-mono text-xs">{config.slug}</span>
                </p>
              ) : (
                <label className="flex flex-col gap-1 text-sm">
                  Slug <span className="text-xs text-zinc-600 dark:text-zinc-400">(optional; from the name)</span>
                  <input name="slug" maxLength={63} pattern="[a-z0-9][a-z0-9\-]*" className="input font-mono" />
                </label>
              )}
            </div>
            {!config && <ScopeFields projects={projects} viewer={viewer} idPrefix="config" />}
            <label className="flex flex-col gap-1 text-sm">
              Description
              <input name="description" maxLength={500} defaultValue={config?.description ?? ""} className="input" />
            </label>
            <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
              <div className="flex flex-col gap-1 text-sm">
                <label htmlFor="config-harness">Harness</label>
                <select
                  id="config-harness"
                  name="harness"
                  className="input"
                  value={harness}
                  onChange={(e) => setHarness(e.target.value)}
                >
                  {(harnesses ?? [{ id: harness, name: harness }]).map((h) => (
                    <option key={h.id} value={h.id}>
                      {h.name}
                    </option>
                  ))}
                </select>
              </div>
              <label className="flex flex-col gap-1 text-sm">
                Model
                <input
                  name="model"
                  maxLength={200}
                  pattern="[A-Za-z0-9][A-Za-z0-9._:/@\-]*"
                  defaultValue={config?.model ?? ""}
                  className="input font-mono"
                />
              </label>
              <label className="flex flex-col gap-1 text-sm">
                Auth type
                <select
                  key={`${harness}-${harnesses ? "loaded" : "loading"}`}
                  name="authType"
                  className="input"
                  defaultValue={config?.authType ?? ""}
                >
                  <option value="">The harness&apos;s default</option>
                  {(chosen?.authTypes ?? []).map((a) => (
                    <option key={a.type} value={a.type}>
                      {a.label}
                    </option>
                  ))}
                  {config?.authType && !chosen?.authTypes.some((a) => a.type === config.authType) && (
                    <option value={config.authType}>{config.authType}</option>
                  )}
                </select>
              </label>
            </div>
            <label className="flex flex-col gap-1 text-sm">
              Settings{" "}
              <span className="text-xs text-zinc-600 dark:text-zinc-400">
                (JSON merged into the harness&apos;s config file; hooks and permissions are the hub&apos;s)
              </span>
              <textarea
                name="settings"
                rows={6}
                defaultValue={JSON.stringify(config?.settings ?? {}, null, 2)}
                className="input font-mono text-xs"
              />
            </label>
            <label className="flex flex-col gap-1 text-sm">
              Environment <span className="text-xs text-zinc-600 dark:text-zinc-400">(KEY=value, one a line)</span>
              <textarea name="env" rows={3} defaultValue={envToText(config?.env)} className="input font-mono text-xs" />
            </label>
          </fieldset>
          {error && <ErrorNote>{error}</ErrorNote>}
          <div className="flex justify-end gap-2">
            <button type="button" className="btn-secondary" onClick={onClose}>
              {readOnly ? "Close" : "Cancel"}
            </button>
            {!readOnly && (
              <button type="submit" className="btn-primary" disabled={busy}>
                {busy ? "Saving…" : config ? "Save harness config" : "Create harness config"}
              </button>
            )}
          </div>
        </form>
      )}
    </Modal>
  );
}
