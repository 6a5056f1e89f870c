"use client";

import { useQuery } from "@tanstack/react-query";
import type { AgentGitStatus } from "@/lib/agents/schemas";
import { api, RequestError } from "../data/api";
import { agentKeys } from "../data/query-keys";

/**
 * The agent's branch and its workspace's short git status (ahead/behind its base branch, changed
 * files), asked of its broker through the hub; refreshed every 15 s while the agent runs. Shown as
 * rows of the agent page's State list.
 */
export function GitStatusRows({
  agentId,
  branch,
  baseBranch,
  running,
}: {
  agentId: string;
  branch: string;
  baseBranch: string | null;
  running: boolean;
}) {
  const status = useQuery({
    queryKey: agentKeys.git(agentId),
    queryFn: async () => (await api<AgentGitStatus>(`/api/v1/agents/${agentId}/git`)).body,
    refetchInterval: running ? 15_000 : false,
    retry: false,
  });
  const s = status.data;
  return (
    <>
      <dt className="text-zinc-600 dark:text-zinc-400">Branch</dt>
      <dd className="font-mono" data-git-branch>
        {s?.branch ?? branch}
        {(s?.baseBranch ?? baseBranch) && (
          <span className="font-sans text-zinc-600 dark:text-zinc-400"> from {s?.baseBranch ?? baseBranch}</span>
        )}
      </dd>
      <dt className="text-zinc-600 dark:text-zinc-400">Git status</dt>
      <dd data-git-status>
        {s ? (
          describe(s)
        ) : status.isError ? (
          <span className="text-zinc-600 dark:text-zinc-400">
            {status.error instanceof RequestError ? status.error.message : "Unavailable."}
          </span>
        ) : (
          <span className="text-zinc-600 dark:text-zinc-400">Asking the broker…</span>
        )}
      </dd>
    </>
  );
}

function describe(s: AgentGitStatus): string {
  const files = s.changedFiles === 1 ? "1 changed file" : `${s.changedFiles} changed files`;
  return `${s.ahead} ahead, ${s.behind} behind ${s.baseBranch} · ${s.clean ? "clean" : files}`;
}
