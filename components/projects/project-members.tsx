"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, describeError } from "../data/api";
import { memberKeys } from "../data/query-keys";
import type { ProjectMemberJson } from "../templates/types";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { ErrorNote } from "../ui/error-note";
import { IconButton } from "../ui/icon-button";
import { TableHead } from "../ui/table-head";
import { useToast } from "../ui/toast";

/** A project's members by name and email; managers add people by email and remove them. */
export function ProjectMembers({ projectId, canManage }: { projectId: string; canManage: boolean }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [error, setError] = useState<string | null>(null);
  const [removing, setRemoving] = useState<ProjectMemberJson | null>(null);
  const key = memberKeys.ofProject(projectId);
  const members = useQuery({
    queryKey: key,
    queryFn: async () =>
      (await api<{ items: ProjectMemberJson[] }>(`/api/v1/projects/${projectId}/members`)).body.items,
  });
  const add = useMutation({
    mutationFn: (body: { email: string; role: string }) =>
      api<ProjectMemberJson>(`/api/v1/projects/${projectId}/members`, { method: "POST", json: body }),
    onSuccess: (_r, v) => {
      setError(null);
      toast(`Added ${v.email}.`, "success");
    },
    onError: (err) => setError(describeError(err)),
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  const remove = useMutation({
    mutationFn: (m: ProjectMemberJson) =>
      api(`/api/v1/projects/${projectId}/members/${m.userId}`, { method: "DELETE" }),
    onSuccess: (_r, m) => toast(`Removed ${m.name ?? m.email}.`, "success"),
    onError: (err) => toast(`Not removed: ${(err as Error).message}`, "error"),
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    add.mutate(
      { email: String(data.get("email") ?? "").trim(), role: String(data.get("role") ?? "member") },
      { onSuccess: () => form.reset() },
    );
  };
  return (
    <section aria-labelledby="members-heading" className="card flex flex-col gap-3 p-4">
      <h2 id="members-heading" className="text-base font-semibold">
        Members
      </h2>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Members see the project and its agents (read-only unless they own them); managers also change its settings and
        members.
      </p>
      {members.isError && <ErrorNote>The members could not be loaded: {members.error.message}</ErrorNote>}
      {members.data && members.data.length === 0 && (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">No members yet.</p>
      )}
      {members.data && members.data.length > 0 && (
        <table className="w-full text-left text-sm" aria-label="Members">
          <TableHead columns={["Name", "Email", "Role", { label: "Actions", srOnly: true }]} />
          <tbody>
            {members.data.map((m) => (
              <tr key={m.userId} className="border-b border-zinc-100 last:border-0 dark:border-zinc-800">
                <td className="px-3 py-2 font-medium">{m.name ?? "—"}</td>
                <td className="px-3 py-2">{m.email}</td>
                <td className="px-3 py-2">{m.role}</td>
                <td className="px-3 py-2 text-right">
                  {canManage && (
                    <IconButton
                      icon="trash"
                      tone="danger"
                      label={`Remove ${m.name ?? m.email}`}
                      onClick={() => setRemoving(m)}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canManage && (
        <form
          onSubmit={submit}
          aria-label="Add a member"
          className="grid grid-cols-1 gap-2 sm:grid-cols-[2fr_1fr_auto] sm:items-end"
        >
          <label className="flex flex-col gap-1 text-sm">
            Email
            <input name="email" type="email" required maxLength={320} className="input" />
          </label>
          <label className="flex flex-col gap-1 text-sm">
            Role
            <select name="role" className="input" defaultValue="member">
              <option value="member">Member</option>
              <option value="manager">Manager</option>
            </select>
          </label>
          <button type="submit" className="btn-primary" disabled={add.isPending}>
            Add member
          </button>
          {error && (
            <div className="sm:col-span-3">
              <ErrorNote>{error}</ErrorNote>
            </div>
          )}
        </form>
      )}
      <ConfirmDialog
        open={removing !== null}
        title={`Remove ${removing?.name ?? removing?.email ?? ""} from the project?`}
        confirmLabel="Remove"
        danger
        onConfirm={() => removing && remove.mutate(removing)}
        onClose={() => setRemoving(null)}
      >
        They keep the agents they own, but no longer see the project&apos;s others.
      </ConfirmDialog>
    </section>
  );
}
