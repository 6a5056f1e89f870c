"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { AgentJson } from "@/lib/agents/schemas";
import type { Page } from "@/lib/http/pagination";
import { api } from "../../data/api";
import { agentKeys } from "../../data/query-keys";

export type AgentPage = Page<AgentJson>;

/** One page of the agent list from the API; `initial` (the server-rendered page) stands in for it until refetched. */
export function useAgentsPage(params: Record<string, string>, initial: AgentPage | undefined) {
  return useQuery({
    queryKey: agentKeys.list(params),
    queryFn: async () => (await api<AgentPage>(`/api/v1/agents?${new URLSearchParams(params).toString()}`)).body,
    initialData: initial,
    placeholderData: keepPreviousData,
  });
}
