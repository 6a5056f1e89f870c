"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState, type FormEvent } from "react";
import type { SecretJson } from "@/lib/secrets/schemas";
import { api, RequestError } from "../data/api";
import { secretKeys } from "../data/query-keys";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { ErrorNote } from "../ui/error-note";
import { IconButton } from "../ui/icon-button";
import { RelativeTime } from "../ui/relative-time";
import { TableHead } from "../ui/table-head";
import { useToast } from "../ui/toast";

export interface SecretScopeView {
  scope: SecretJson["scope"];
  projectId?: string;
  title: string;
  description: string;
  /** Whether the viewer may add, replace and delete here; otherwise only the names are shown. */
  writable: boolean;
}

/**
 * One scope's secrets: names, kinds and when they changed, never a value. Writers add or replace
 * one (same name = replace) through a password field that is cleared once saved, and delete.
 */
export function SecretSection({ view, initial }: { view: SecretScopeView; initial?: SecretJson[] }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const headingId = useId();
  const form = useRef<HTMLFormElement>(null);
  const [target, setTarget] = useState<"env" | "file">("env");
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<SecretJson | null>(null);
  const key = secretKeys.scope(view.scope, view.projectId);
  const query = new URLSearchParams({ scope: view.scope, ...(view.projectId && { projectId: view.projectId }) });
  const secrets =
    useQuery({
      queryKey: key,
      queryFn: async () => (await api<{ items: SecretJson[] }>(`/api/v1/secrets?${query.toString()}`)).body.items,
      initialData: initial,
    }).data ?? [];
  const save = useMutation({
    mutationFn: postSecret,
    onSuccess: ({ status, body }) => {
      setError(null);
      form.current?.reset();
      setTarget("env");
      toast(`${status === 201 ? "Added" : "Replaced"} secret ${body.name}.`, "success");
    },
    onError: (err) => setError((err as Error).message),
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  const remove = useMutation({
    mutationFn: (s: SecretJson) => api(`/api/v1/secrets/${s.id}`, { method: "DELETE" }),
    onSuccess: (_r, s) => toast(`Deleted secret ${s.name}.`, "success"),
    onError: (err) => toast(`The secret was not deleted: ${(err as Error).message}`, "error"),
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const text = (k: string) => String(data.get(k) ?? "");
    save.mutate({
      name: text("name").trim(),
      value: text("value"),
      scope: view.scope,
      ...(view.projectId && { projectId: view.projectId }),
      target,
      ...(target === "file" && { path: text("path").trim() }),
    });
  };
  /** Replace: the form takes the secret's name and kind; only a new value is needed. */
  const startReplace = (s: SecretJson) => {
    const el = form.current;
    if (!el) return;
    setTarget(s.target);
    (el.elements.namedItem("name") as HTMLInputElement).value = s.name;
    queueMicrotask(() => {
      const path = el.elements.namedItem("path") as HTMLInputElement | null;
      if (path) path.value = s.path ?? "";
      (el.elements.namedItem("value") as HTMLInputElement).focus();
    });
  };
  return (
    <section aria-labelledby={headingId} className="flex flex-col gap-3">
      <div>
        <h2 id={headingId} className="text-base font-semibold">
          {view.title}
        </h2>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">{view.description}</p>
      </div>
      {view.writable && (
        <form
          ref={form}
          onSubmit={submit}
          className="card grid grid-cols-1 gap-3 p-4 md:grid-cols-[1fr_auto_1fr_1fr_auto] md:items-end"
          aria-label={`Add or replace a secret: ${view.title}`}
        >
          <label className="flex flex-col gap-1 text-sm">
            Name
            <input
              name="name"
              required
              maxLength={128}
              placeholder="ANTHROPIC_API_KEY"
              className="input font-mono"
              autoComplete="off"
              spellCheck={false}
            />
          </label>
          <label className="flex flex-col gap-1 text-sm">
            Kind
            <select
              name="target"
              className="input"
              value={target}
              onChange={(e) => setTarget(e.target.value as "env" | "file")}
            >
              <option value="env">Environment variable</option>
              <option value="file">File in HOME</option>
            </select>
          </label>
          {target === "file" ? (
            <label className="flex flex-col gap-1 text-sm">
              Path in HOME
              <input
                name="path"
                required
                maxLength={255}
                placeholder=".claude/.credentials.json"
                className="input font-mono"
                autoComplete="off"
                spellCheck={false}
              />
            </label>
          ) : (
            <div className="hidden md:block" />
          )}
          <label className="flex flex-col gap-1 text-sm">
            Value
            <input name="value" type="password" required autoComplete="new-password" className="input font-mono" />
          </label>
          <button type="submit" className="btn-primary" disabled={save.isPending}>
            Save secret
          </button>
          {error && (
            <div className="md:col-span-5">
              <ErrorNote>{error}</ErrorNote>
            </div>
          )}
        </form>
      )}
      {secrets.length === 0 ? (
        <p className="rounded-lg border border-dashed border-zinc-300 p-4 text-center text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
          No secrets here yet.
        </p>
      ) : (
        <div className="card overflow-x-auto">
          <table className="w-full text-left text-sm" aria-label={view.title}>
            <TableHead
              columns={["Name", "Kind", "Updated", ...(view.writable ? [{ label: "Actions", srOnly: true }] : [])]}
            />
            <tbody>
              {secrets.map((s) => (
                <tr key={s.id} className="border-b border-zinc-100 last:border-0 dark:border-zinc-800">
                  <td className="px-3 py-2 font-mono text-xs font-medium">{s.name}</td>
                  <td className="px-3 py-2">
                    {s.target === "file" ? (
                      <span className="font-mono text-xs">~/{s.path}</span>
                    ) : (
                      "Environment variable"
                    )}
                  </td>
                  <td className="px-3 py-2">
                    <RelativeTime iso={s.updatedAt} />
                  </td>
                  {view.writable && (
                    <td className="flex justify-end gap-1 px-3 py-2">
                      <button
                        type="button"
                        className="btn-secondary"
                        onClick={() => startReplace(s)}
                        aria-label={`Replace secret ${s.name}`}
                      >
                        Replace
                      </button>
                      <IconButton
                        icon="trash"
                        tone="danger"
                        label={`Delete secret ${s.name}`}
                        onClick={() => setDeleting(s)}
                      />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete secret ${deleting?.name ?? ""}?`}
        confirmLabel="Delete"
        danger
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(null)}
      >
        Agents started from now on no longer get it; running agents keep what they started with.
      </ConfirmDialog>
    </section>
  );
}

/** Saves a secret; a refusal says which field is wrong and why (the hub's validation details). */
async function postSecret(body: Record<string, unknown>): Promise<{ status: number; body: SecretJson }> {
  try {
    return await api<SecretJson>("/api/v1/secrets", { method: "POST", json: body });
  } catch (err) {
    if (!(err instanceof RequestError) || !Array.isArray(err.details)) throw err;
    const details = (err.details as Array<{ path: string; message: string }>)
      .map((d) => (d.path ? `${d.path}: ${d.message}` : d.message))
      .join("; ");
    throw new RequestError(err.status, err.code, [err.message, details].filter(Boolean).join(" "), err.details);
  }
}
