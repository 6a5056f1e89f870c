import fs from "node:fs";
import path from "node:path";
import { expectOk } from "./measure";

/** API calls to a bench hub as its dev admin (the token dev mode writes into the data dir); anything but 2xx throws. */
export function hubClient(url: string, dataDir: string) {
  const token = fs.readFileSync(path.join(dataDir, "dev-token"), "utf8").trim();
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const call = async <T>(method: string, pathname: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await expectOk(
      await fetch(`${url}${pathname}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
      `${method} ${pathname}`,
    );
    return { status: res.status, body: (res.status === 204 ? null : await res.json()) as T };
  };
  return { token, headers, call };
}

/** Waits for the hub's local broker to be online. */
export async function waitForBroker(call: ReturnType<typeof hubClient>["call"], timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call<{ items: Array<{ id: string; status: string }> }>("GET", "/api/v1/runtime-brokers");
    const online = body.items.find((b) => b.status === "online");
    if (online) return online.id;
    if (Date.now() > deadline) throw new Error("the local broker did not come online");
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function summarize(samples: number[]): { n: number; p50Ms: number; p99Ms: number; meanMs: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    n: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    meanMs: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}
