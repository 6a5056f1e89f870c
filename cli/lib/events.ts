/**
 * The hub's event stream (GET /api/v1/events, Server-Sent Events) for `--watch`: calls `onChange`
 * (at most every 250 ms) whenever an event arrives, reconnecting with backoff like the dashboard.
 * Runs until `signal` aborts (or the process is interrupted).
 */
import type { HubClient } from "./client";
import { c, info } from "./output";

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 10_000];

export async function watchEvents(
  client: HubClient,
  subjects: string[],
  onChange: (event: { subject: string; data: unknown }) => Promise<void> | void,
  signal?: AbortSignal,
): Promise<void> {
  let attempt = 0;
  let pending: ReturnType<typeof setTimeout> | undefined;
  let last: { subject: string; data: unknown } | undefined;
  const schedule = (event: { subject: string; data: unknown }) => {
    last = event;
    pending ??= setTimeout(() => {
      pending = undefined;
      void Promise.resolve(onChange(last!)).catch((err: unknown) => info(c.red(String((err as Error).message))));
    }, 250);
  };
  const url = client.url("/api/v1/events");
  const query = subjects.map((s) => `sub=${encodeURIComponent(s)}`).join("&");
  while (!signal?.aborted) {
    try {
      const res = await fetch(`${url}?${query}`, {
        signal,
        headers: { accept: "text/event-stream", ...(client.token && { authorization: `Bearer ${client.token}` }) },
      });
      if (!res.ok || !res.body) throw client.failure(res.status, await res.json().catch(() => null));
      attempt = 0;
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split("\n")
            .filter((l) => l.startsWith("data:"))
            .map((l) => l.slice(5).trimStart())
            .join("\n");
          if (!data) continue;
          try {
            schedule(JSON.parse(data) as { subject: string; data: unknown });
          } catch {
            // not an event we understand
          }
        }
      }
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 401 || status === 403) throw err;
      if (signal?.aborted) return;
    }
    await new Promise((r) => setTimeout(r, BACKOFF_MS[Math.min(attempt++, BACKOFF_MS.length - 1)]));
  }
}
