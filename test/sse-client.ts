export interface SseEvent {
  event: string;
  data: unknown;
}

/**
 * Opens an SSE stream with fetch and collects its events. `next(predicate)` resolves with the
 * first event (already received or still to come) that matches, or rejects after a timeout.
 */
export async function openEventStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: controller.signal });
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  let done = false;
  if (res.ok && res.body) {
    void (async () => {
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      try {
        for (;;) {
          const { value, done: end } = await reader.read();
          if (end) break;
          buffer += value;
          let split: number;
          while ((split = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, split);
            buffer = buffer.slice(split + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data) events.push({ event, data: JSON.parse(data) });
            for (const w of waiters) w();
          }
        }
      } catch {
        // aborted
      } finally {
        done = true;
        for (const w of waiters) w();
      }
    })();
  }
  return {
    res,
    events,
    isClosed: () => done,
    async next(predicate: (e: SseEvent) => boolean, timeoutMs = 5000): Promise<SseEvent> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(predicate);
        if (found) return found;
        if (done) throw new Error("stream closed");
        const left = deadline - Date.now();
        if (left <= 0) throw new Error("no matching event in time");
        await new Promise<void>((resolve) => {
          const w = () => {
            waiters.delete(w);
            resolve();
          };
          waiters.add(w);
          setTimeout(w, left);
        });
      }
    },
    close: () => controller.abort(),
  };
}
