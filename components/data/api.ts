import type { ErrorCode } from "@/lib/http/error-codes";
import type { ErrorEnvelope } from "@/lib/http/api-error";

/** An error answer from the hub: its HTTP status and the envelope's code, message and details. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
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
    const error = (data as Partial<ErrorEnvelope> | null)?.error;
    throw new RequestError(
      res.status,
      error?.code ?? "internal",
      error?.message ?? `The hub answered HTTP ${res.status}.`,
      error?.details,
    );
  }
  return { status: res.status, body: data as T };
}
