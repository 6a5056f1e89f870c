"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useRef, useState } from "react";
import { useDismiss } from "../ui/use-dismiss";
import type { InboxItem } from "@/lib/messages/schemas";
import { api } from "../data/api";
import { inboxKeys } from "../data/query-keys";
import { RelativeTime } from "../ui/relative-time";
import { useToast } from "../ui/toast";

interface Inbox {
  items: InboxItem[];
  unread: number;
}

/**
 * The inbox tray in the header: how many messages agents sent the viewer are unread (live: an
 * agent's say or ask, and a read elsewhere, refresh it through the event stream), and the latest
 * of them across agents, each linking to its agent; opening one marks it read, as does "Mark all
 * read". An ask is marked as a question waiting for an answer, given on the agent's page.
 */
export function InboxTray() {
  const [open, setOpen] = useState(false);
  const close = useCallback(() => setOpen(false), []);
  const ref = useRef<HTMLDivElement>(null);
  const queryClient = useQueryClient();
  const toast = useToast();
  const router = useRouter();
  const inbox = useQuery({
    queryKey: inboxKeys.all,
    queryFn: async () => (await api<Inbox>("/api/v1/inbox?limit=20")).body,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: inboxKeys.all });
  const markRead = useMutation({
    mutationFn: (id: string) => api(`/api/v1/inbox/${id}/read`, { method: "POST" }),
    onSettled: refresh,
  });
  const markAll = useMutation({
    mutationFn: () => api("/api/v1/inbox/read-all", { method: "POST" }),
    onError: (err) => toast(`Could not mark the messages read: ${(err as Error).message}`, "error"),
    onSettled: refresh,
  });
  useDismiss(ref, open, close);
  const unread = inbox.data?.unread ?? 0;
  const items = inbox.data?.items ?? [];
  return (
    <div ref={ref} className="relative">
      <button
        type="button"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-label={`Inbox, ${unread} unread`}
        data-testid="inbox-button"
        data-unread={unread}
        onClick={() => setOpen((o) => !o)}
        className="btn-secondary relative"
      >
        Inbox
        {unread > 0 && (
          <span className="ml-2 rounded-full bg-blue-700 px-1.5 py-0.5 text-xs font-semibold text-white" aria-hidden>
            {unread > 99 ? "99+" : unread}
          </span>
        )}
      </button>
      {open && (
        <div
          role="dialog"
          aria-label="Messages from agents"
          className="card absolute right-0 z-20 mt-2 w-96 max-w-[90vw] p-2 shadow-lg"
        >
          <div className="flex items-center justify-between px-2 py-1">
            <h2 className="text-sm font-semibold">Messages from agents</h2>
            <button
              type="button"
              className="text-xs text-blue-700 underline disabled:opacity-50 dark:text-blue-400"
              disabled={unread === 0 || markAll.isPending}
              onClick={() => markAll.mutate()}
            >
              Mark all read
            </button>
          </div>
          {inbox.isError && (
            <p role="alert" className="px-2 py-1 text-sm text-red-700 dark:text-red-300">
              The inbox could not be loaded: {inbox.error.message}
            </p>
          )}
          {items.length === 0 && !inbox.isError ? (
            <p className="px-2 py-3 text-sm text-zinc-600 dark:text-zinc-400">
              Nothing yet. Agents write here with <code>scion-agent say</code> and <code>ask</code>.
            </p>
          ) : (
            <ul className="flex max-h-96 flex-col gap-1 overflow-y-auto">
              {items.map((item) => (
                <li key={item.id} data-inbox-item={item.id} data-read={item.readAt ? "true" : "false"}>
                  <Link
                    href={`/agents/${item.agentId}#messages-heading`}
                    onClick={(e) => {
                      setOpen(false);
                      if (item.readAt) return;
                      // Read first, then go: each page starts a fresh query cache, which must not
                      // fetch the count before the hub has it.
                      e.preventDefault();
                      const go = () => router.push(`/agents/${item.agentId}#messages-heading`);
                      markRead.mutate(item.id, { onSettled: go });
                    }}
                    className={`block rounded px-2 py-2 text-sm hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-blue-600 dark:hover:bg-zinc-800 ${item.readAt ? "" : "bg-blue-50 dark:bg-blue-950/40"}`}
                  >
                    <span className="flex items-baseline justify-between gap-2">
                      <span className="font-medium">
                        {item.agentName} {item.kind === "ask" ? "asks" : "says"}
                        {!item.readAt && <span className="sr-only"> (unread)</span>}
                      </span>
                      <span className="shrink-0 text-xs text-zinc-600 dark:text-zinc-400">
                        <RelativeTime iso={item.createdAt} />
                      </span>
                    </span>
                    <span className="mt-0.5 line-clamp-2 whitespace-pre-wrap text-zinc-700 dark:text-zinc-300">
                      {item.body}
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
