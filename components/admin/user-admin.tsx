"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { UpdateUserBody, UserJson } from "@/lib/users/schemas";
import { api } from "../data/api";
import { userKeys } from "../data/query-keys";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { RelativeTime } from "../ui/relative-time";
import { StatusBadge } from "../ui/status-badge";
import { TableHead } from "../ui/table-head";
import { useToast } from "../ui/toast";

type Change = {
  user: UserJson;
  body: UpdateUserBody;
  question: string;
  confirmLabel: string;
};

/**
 * Admin users: change role, suspend and reactivate, each after a confirmation. The admin's own
 * row has no controls (the hub refuses self-changes too).
 */
export function UserAdmin({ initial, viewerId }: { initial: UserJson[]; viewerId: string }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [pending, setPending] = useState<Change | null>(null);
  const users = useQuery({
    queryKey: userKeys.list(),
    queryFn: async () => (await api<{ items: UserJson[] }>("/api/v1/users?limit=500")).body.items,
    initialData: initial,
  }).data;
  const update = useMutation({
    mutationFn: (c: Change) => api<UserJson>(`/api/v1/users/${c.user.id}`, { method: "PATCH", json: c.body }),
    onSuccess: ({ body }) =>
      toast(`${body.email} is now ${body.role === "admin" ? "an admin" : "a member"}, ${body.status}.`, "success"),
    onError: (err) => toast(`The change was refused: ${(err as Error).message}`, "error"),
    onSettled: () => queryClient.invalidateQueries({ queryKey: userKeys.all }),
  });
  return (
    <section aria-labelledby="users-heading">
      <h2 id="users-heading" className="text-base font-semibold">
        Users
      </h2>
      <div className="card mt-3 overflow-x-auto">
        <table className="w-full text-left text-sm">
          <TableHead columns={["User", "Role", "Status", "Last sign-in", { label: "Actions", srOnly: true }]} />
          <tbody>
            {users.map((u) => {
              const self = u.id === viewerId;
              return (
                <tr
                  key={u.id}
                  data-user={u.email}
                  className="border-b border-zinc-100 last:border-0 dark:border-zinc-800"
                >
                  <td className="px-3 py-2">
                    <span className="font-medium">{u.name ?? u.email}</span>
                    {u.name && <span className="block text-xs text-zinc-600 dark:text-zinc-400">{u.email}</span>}
                  </td>
                  <td className="px-3 py-2">
                    {self ? (
                      <span>{u.role === "admin" ? "Admin (you)" : "Member (you)"}</span>
                    ) : (
                      <label>
                        <span className="sr-only">Role of {u.email}</span>
                        <select
                          className="input w-32"
                          value={u.role}
                          onChange={(e) => {
                            const role = e.target.value as "admin" | "member";
                            setPending({
                              user: u,
                              body: { role },
                              question: `Make ${u.email} ${role === "admin" ? "an admin" : "a member"}?`,
                              confirmLabel: role === "admin" ? "Make admin" : "Make member",
                            });
                          }}
                        >
                          <option value="member">Member</option>
                          <option value="admin">Admin</option>
                        </select>
                      </label>
                    )}
                  </td>
                  <td className="px-3 py-2">
                    <StatusBadge
                      status={
                        u.status === "active"
                          ? { label: "Active", tone: "green", pulse: false }
                          : { label: "Suspended", tone: "red", pulse: false }
                      }
                    />
                  </td>
                  <td className="px-3 py-2">
                    <RelativeTime iso={u.lastLoginAt} />
                  </td>
                  <td className="px-3 py-2 text-right">
                    {!self &&
                      (u.status === "active" ? (
                        <button
                          type="button"
                          className="btn-secondary"
                          onClick={() =>
                            setPending({
                              user: u,
                              body: { status: "suspended" },
                              question: `Suspend ${u.email}? They are signed out and cannot sign in until reactivated.`,
                              confirmLabel: "Suspend",
                            })
                          }
                        >
                          Suspend
                        </button>
                      ) : (
                        <button
                          type="button"
                          className="btn-secondary"
                          onClick={() =>
                            setPending({
                              user: u,
                              body: { status: "active" },
                              question: `Reactivate ${u.email}?`,
                              confirmLabel: "Reactivate",
                            })
                          }
                        >
                          Reactivate
                        </button>
                      ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <ConfirmDialog
        open={pending !== null}
        title={pending?.question ?? ""}
        confirmLabel={pending?.confirmLabel ?? "Confirm"}
        danger={pending?.body.status === "suspended"}
        onConfirm={() => pending && update.mutate(pending)}
        onClose={() => setPending(null)}
      />
    </section>
  );
}
