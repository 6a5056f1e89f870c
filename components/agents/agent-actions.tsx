"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { AgentJson } from "@/lib/agents/schemas";
import { api } from "../data/api";
import { agentKeys } from "../data/query-keys";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { IconButton } from "../ui/icon-button";
import { Icon } from "../ui/icons";
import { useToast } from "../ui/toast";
import { canOpenTerminal } from "./agent-status";

const AT_REST = ["created", "stopped", "error"];

/**
 * The per-agent action buttons, shared by the list, the grid and the detail page: shown by state
 * (start at rest; stop and restart while running or starting; terminal while running), disabled
 * while one is in flight; delete asks first.
 */
export function AgentActions({ agent, onDeleted }: { agent: AgentJson; onDeleted?: () => void }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [confirming, setConfirming] = useState(false);
  const action = useMutation({
    mutationFn: async (kind: "start" | "stop" | "restart" | "delete") => {
      if (kind === "delete") return api(`/api/v1/agents/${agent.id}`, { method: "DELETE" });
      return api<{ agent: AgentJson }>(`/api/v1/agents/${agent.id}/${kind}`, { method: "POST" });
    },
    onSuccess: (res, kind) => {
      if (kind === "delete") {
        toast(`Deleted ${agent.name}.`, "success");
        onDeleted?.();
      } else if (res.status === 202)
        toast(`${agent.name} is still on its way; the list updates when it gets there.`, "info");
    },
    onError: (err, kind) => toast(`Could not ${kind} ${agent.name}: ${(err as Error).message}`, "error"),
    onSettled: () => queryClient.invalidateQueries({ queryKey: agentKeys.all }),
  });
  const busy = action.isPending;
  const atRest = AT_REST.includes(agent.phase);
  return (
    <div className="flex items-center justify-end gap-0.5">
      {canOpenTerminal(agent) && (
        <Link
          href={`/agents/${agent.id}/terminal`}
          aria-label={`Open the terminal of ${agent.name}`}
          title="Open terminal"
          className="inline-flex h-8 w-8 items-center justify-center rounded-md text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-blue-600 dark:text-zinc-300 dark:hover:bg-zinc-800"
        >
          <Icon name="terminal" />
        </Link>
      )}
      {atRest ? (
        <IconButton
          icon="play"
          tone="start"
          label={`Start ${agent.name}`}
          disabled={busy}
          onClick={() => action.mutate("start")}
        />
      ) : (
        <>
          <IconButton
            icon="restart"
            tone="restart"
            label={`Restart ${agent.name}`}
            disabled={busy || agent.phase !== "running"}
            onClick={() => action.mutate("restart")}
          />
          <IconButton
            icon="stop"
            tone="stop"
            label={`Stop ${agent.name}`}
            disabled={busy || agent.phase === "stopping"}
            onClick={() => action.mutate("stop")}
          />
        </>
      )}
      <IconButton
        icon="trash"
        tone="danger"
        label={`Delete ${agent.name}`}
        disabled={busy}
        onClick={() => setConfirming(true)}
      />
      <ConfirmDialog
        open={confirming}
        title={`Delete ${agent.name}?`}
        confirmLabel="Delete"
        danger
        onConfirm={() => action.mutate("delete")}
        onClose={() => setConfirming(false)}
      >
        The agent is stopped and its workspace on the broker is removed. This cannot be undone.
      </ConfirmDialog>
    </div>
  );
}
