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

/** An error as a sentence for the page: the hub's message, and for a refused body which fields and why. */
export function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (!(err instanceof RequestError) || !Array.isArray(err.details)) return message;
  const fields = (err.details as Array<{ path?: unknown; message?: unknown }>)
    .filter((d) => d && typeof d.message === "string")
    .map((d) => (d.path ? `${String(d.path)}: ${String(d.message)}` : String(d.message)));
  return fields.length > 0 ? `${message} ${fields.join("; ")}` : message;
}
