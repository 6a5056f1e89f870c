import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BenchFailure, measure } from "../../../../bench/lib/measure";

/** A server on loopback whose answer to the nth request is chosen by `answer`. */
async function serve(
  answer: (n: number, res: http.ServerResponse) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  let n = 0;
  const server = http.createServer((_req, res) => answer(++n, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const OPTS = { connections: 4, durationSeconds: 1, warmupSeconds: 0 };
const servers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("measure", () => {
  it("gives the figures when every request succeeds", async () => {
    const s = await serve((_n, res) => res.end("ok"));
    servers.push(s);
    const m = await measure("clean", s.url, OPTS);
    expect(m.requests).toBeGreaterThan(0);
    expect(m.requestsPerSecond).toBeGreaterThan(0);
    expect([m.errors, m.non2xx]).toEqual([0, 0]);
  });

  it("fails when requests answer outside 2xx or error, counting them by status and by error kind", async () => {
    const s = await serve((n, res) => {
      if (n % 5 === 0) {
        res.statusCode = 503;
        res.end("busy");
      } else if (n % 7 === 0) res.socket?.resetAndDestroy();
      else if (n % 11 === 0) res.socket?.destroy();
      else res.end("ok");
    });
    servers.push(s);
    const err = await measure("flaky server", s.url, OPTS).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BenchFailure);
    const failure = err as BenchFailure;
    expect(failure.failures["HTTP 503"]).toBeGreaterThan(0);
    // A reset is an error autocannon reports; a plain close it would silently retry.
    expect(failure.failures.ECONNRESET).toBeGreaterThan(0);
    expect(failure.failures["closed without an answer"]).toBeGreaterThan(0);
    expect(failure.message).toMatch(/^flaky server: \d+ of \d+ requests failed \(.*HTTP 503 ×\d+.*\)/);
  });

  it("a warm-up that fails fails the measurement too", async () => {
    let failing = true;
    const s = await serve((_n, res) => {
      res.statusCode = failing ? 500 : 200;
      res.end();
    });
    servers.push(s);
    setTimeout(() => (failing = false), 500);
    await expect(measure("cold start", s.url, { ...OPTS, warmupSeconds: 1 })).rejects.toMatchObject({
      name: "BenchFailure",
      failures: { "HTTP 500": expect.any(Number) },
    });
  });
});
