"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { CreatedApiToken } from "@/lib/tokens/create-api-token";
import type { ApiTokenJson } from "@/lib/tokens/schemas";
import { api } from "../data/api";
import { tokenKeys } from "../data/query-keys";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { ErrorNote } from "../ui/error-note";
import { IconButton } from "../ui/icon-button";
import { RelativeTime } from "../ui/relative-time";
import { TableHead } from "../ui/table-head";
import { useToast } from "../ui/toast";

const EXPIRY_CHOICES = [7, 30, 90, 365] as const;

/**
 * The viewer's API tokens (for the CLI and scripts): create one with an expiry — its value is
 * shown here once, with a copy button, and never again — list the working ones, revoke one.
 */
export function ApiTokens({ initial }: { initial: ApiTokenJson[] }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<(CreatedApiToken & { name: string }) | null>(null);
  const [copied, setCopied] = useState(false);
  const [revoking, setRevoking] = useState<ApiTokenJson | null>(null);
  const tokens = useQuery({
    queryKey: tokenKeys.list(),
    queryFn: async () => (await api<{ items: ApiTokenJson[] }>("/api/v1/tokens")).body.items,
    initialData: initial,
  }).data;
  const create = useMutation({
    mutationFn: (body: { name: string; expiresInDays: number }) =>
      api<CreatedApiToken>("/api/v1/tokens", { method: "POST", json: body }),
    onSuccess: ({ body }, vars) => {
      setError(null);
      setCopied(false);
      setCreated({ ...body, name: vars.name });
    },
    onError: (err) => setError((err as Error).message),
    onSettled: () => queryClient.invalidateQueries({ queryKey: tokenKeys.all }),
  });
  const revoke = useMutation({
    mutationFn: (t: ApiTokenJson) => api(`/api/v1/tokens/${t.id}`, { method: "DELETE" }),
    onSuccess: (_r, t) => {
      toast(`Revoked token ${t.name}.`, "success");
      if (created?.id === t.id) setCreated(null);
    },
    onError: (err) => toast(`The token was not revoked: ${(err as Error).message}`, "error"),
    onSettled: () => queryClient.invalidateQueries({ queryKey: tokenKeys.all }),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    create.mutate(
      { name: String(data.get("name") ?? "").trim(), expiresInDays: Number(data.get("expiresInDays")) },
      { onSuccess: () => form.reset() },
    );
  };
  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.token);
      setCopied(true);
      toast("Token copied to the clipboard.", "success");
    } catch {
      toast("The clipboard is not available here: select the token and copy it.", "error");
    }
  };
  return (
    <section aria-labelledby="tokens-heading" className="flex flex-col gap-3">
      <div>
        <h2 id="tokens-heading" className="text-base font-semibold">
          API tokens
        </h2>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          For the CLI and scripts: a token acts as you. Its value is shown once, when you create it.
        </p>
      </div>
      <form
        onSubmit={submit}
        aria-label="New API token"
        className="card grid grid-cols-1 gap-3 p-4 md:grid-cols-[2fr_1fr_auto] md:items-end"
      >
        <label className="flex flex-col gap-1 text-sm">
          Token name
          <input name="name" required maxLength={100} placeholder="laptop CLI" className="input" />
        </label>
        <label className="flex flex-col gap-1 text-sm">
          Expires in
          <select name="expiresInDays" className="input" defaultValue="90">
            {EXPIRY_CHOICES.map((d) => (
              <option key={d} value={d}>
                {d} days
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn-primary" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create token"}
        </button>
        {error && (
          <div className="md:col-span-3">
            <ErrorNote>{error}</ErrorNote>
          </div>
        )}
      </form>
      {created && (
        <div
          role="region"
          aria-label="New token"
          className="rounded-md border border-green-300 bg-green-50 p-4 text-sm dark:border-green-800 dark:bg-green-950"
        >
          <p className="font-medium text-green-900 dark:text-green-100">
            Token {created.name} created. Copy it now: it is not shown again.
          </p>
          <div className="mt-2 flex flex-wrap items-center gap-2">
            <label className="flex-1">
              <span className="sr-only">Token value</span>
              <input
                readOnly
                value={created.token}
                onFocus={(e) => e.currentTarget.select()}
                className="input w-full font-mono text-xs"
                data-token-value
              />
            </label>
            <button type="button" className="btn-secondary" onClick={() => void copy()}>
              {copied ? "Copied" : "Copy token"}
            </button>
            <button type="button" className="btn-secondary" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
          <p className="mt-2 text-xs text-green-900 dark:text-green-100">
            Expires on <Day iso={created.expiresAt} />.
          </p>
        </div>
      )}
      {tokens.length === 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">No API tokens.</p>
      ) : (
        <div className="card overflow-x-auto">
          <table className="w-full text-left text-sm" aria-label="API tokens">
            <TableHead
              columns={["Name", "Ends with", "Created", "Last used", "Expires", { label: "Actions", srOnly: true }]}
            />
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id} className="border-b border-zinc-100 last:border-0 dark:border-zinc-800">
                  <td className="px-3 py-2 font-medium">{t.name}</td>
                  <td className="px-3 py-2 font-mono text-xs">{t.hint}</td>
                  <td className="px-3 py-2">
                    <RelativeTime iso={t.createdAt} />
                  </td>
                  <td className="px-3 py-2">{t.lastUsedAt ? <RelativeTime iso={t.lastUsedAt} /> : "Never"}</td>
                  <td className="px-3 py-2">{t.expiresAt ? <Day iso={t.expiresAt} /> : "Never"}</td>
                  <td className="px-3 py-2 text-right">
                    <IconButton
                      icon="trash"
                      tone="danger"
                      label={`Revoke token ${t.name}`}
                      onClick={() => setRevoking(t)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke token ${revoking?.name ?? ""}?`}
        confirmLabel="Revoke"
        danger
        onConfirm={() => revoking && revoke.mutate(revoking)}
        onClose={() => setRevoking(null)}
      >
        Anything using it stops working at once.
      </ConfirmDialog>
    </section>
  );
}

/** A date to come (RelativeTime describes the past): the day, the same on server and client. */
function Day({ iso }: { iso: string }) {
  return <time dateTime={iso}>{iso.slice(0, 10)}</time>;
}
