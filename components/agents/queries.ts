import type { AgentJson } from "@/lib/agents/schemas";

/** Query keys of the agent domain; SSE invalidation uses the same roots (see hub-events.tsx). */
export const agentKeys = {
  all: ["agents"] as const,
  list: (params: Record<string, string>) => ["agents", "list", params] as const,
  detail: (id: string) => ["agents", "detail", id] as const,
  history: (id: string) => ["agents", "history", id] as const,
  messages: (id: string) => ["messages", id] as const,
};

export const harnessKeys = { all: ["harnesses"] as const };

export interface AgentPage {
  items: AgentJson[];
  nextCursor: string | null;
}

export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** fetch against the hub's API with the session cookie; an error answer throws with its message. */
export async function api<T>(
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const headers = new Headers(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  const res = await fetch(path, { ...init, headers, body, credentials: "same-origin" });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    const error = (data as { error?: { code?: string; message?: string } } | null)?.error;
    throw new RequestError(
      res.status,
      error?.code ?? "internal",
      error?.message ?? `The hub answered HTTP ${res.status}.`,
    );
  }
  return { status: res.status, body: data as T };
}

export function listAgentsUrl(params: Record<string, string>): string {
  return `/api/v1/agents?${new URLSearchParams(params).toString()}`;
}
