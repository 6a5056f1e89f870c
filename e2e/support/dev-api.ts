import fs from "node:fs";
import path from "node:path";
import type { APIRequestContext } from "@playwright/test";

/** The dev hub's admin API token (dev mode writes it into the data dir). */
export function devToken(): string {
  return fs.readFileSync(path.join(process.env.E2E_DATA_DIR!, "dev-token"), "utf8").trim();
}

/** Calls the dev hub's API as its admin; throws on an error status. */
export async function devApi<T = Record<string, unknown>>(
  request: APIRequestContext,
  method: string,
  pathname: string,
  body?: unknown,
): Promise<T> {
  const res = await request.fetch(pathname, {
    method,
    headers: {
      authorization: `Bearer ${devToken()}`,
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok()) throw new Error(`${method} ${pathname}: HTTP ${res.status()} ${await res.text()}`);
  return (res.status() === 204 ? null : await res.json()) as T;
}
