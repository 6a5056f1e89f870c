import type { BulkAgentsBody, BulkSummary, BulkResult } from "@/lib/agents/bulk-agents";
import type { AgentJson } from "@/lib/agents/schemas";
import { api } from "../../data/api";

export type BulkRequest = Omit<BulkAgentsBody, "bulkId">;
export interface BulkProgress {
  total: number;
  done: number;
  succeeded: number;
  failed: number;
  last?: BulkResult;
}

/** How long a bulk call waits for its progress stream to open before it goes without one. */
const PROGRESS_OPEN_MS = 3000;
/** "Select all matching" and "Stop all" look at most this many agents (the hub's cap on one bulk call). */
export const MATCH_LIMIT = 500;

/**
 * POST /agents/bulk with progress: a fresh bulkId, its progress events (`bulk.{bulkId}.progress`,
 * for the caller only) followed on the hub's event stream while the call runs, as the admin's
 * reset-auth-all dashboard follows its run; the answer is the summary with a result per agent.
 */
export async function runBulk(request: BulkRequest, onProgress: (p: BulkProgress) => void): Promise<BulkSummary> {
  const bulkId = crypto.randomUUID();
  const events = new EventSource(`/api/v1/events?sub=${encodeURIComponent(`bulk.${bulkId}.progress`)}`);
  events.addEventListener("update", (e) => {
    const { data } = JSON.parse((e as MessageEvent<string>).data) as { data: BulkProgress };
    onProgress(data);
  });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, PROGRESS_OPEN_MS);
    events.addEventListener("open", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  try {
    const { body } = await api<BulkSummary>("/api/v1/agents/bulk", {
      method: "POST",
      json: { ...request, bulkId },
    });
    onProgress({ total: body.total, done: body.total, succeeded: body.succeeded, failed: body.failed });
    return body;
  } finally {
    events.close();
  }
}

/** What a bulk call would do, without doing it: the hub's own count for a confirmation. */
export async function previewBulk(request: BulkRequest): Promise<BulkSummary> {
  const { body } = await api<BulkSummary>("/api/v1/agents/bulk", {
    method: "POST",
    json: { ...request, dryRun: true },
  });
  return body;
}

/** The ids of every agent the list's filter matches (all pages, up to MATCH_LIMIT). */
export async function idsMatching(params: Record<string, string>): Promise<{ ids: string[]; more: boolean }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ ...params, limit: "500" });
    query.delete("cursor");
    if (cursor) query.set("cursor", cursor);
    const { body }: { body: { items: AgentJson[]; nextCursor: string | null } } = await api(`/api/v1/agents?${query}`);
    ids.push(...body.items.map((a) => a.id));
    cursor = body.nextCursor;
  } while (cursor && ids.length < MATCH_LIMIT);
  return { ids: ids.slice(0, MATCH_LIMIT), more: ids.length > MATCH_LIMIT || cursor !== null };
}
