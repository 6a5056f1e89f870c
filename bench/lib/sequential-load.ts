import http from "node:http";
import * as hdr from "hdr-histogram-js";
import { BenchFailure, type Failures, type LoadOptions, type Measurement } from "./measure";

export interface NextRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * A closed-loop load in the manner of autocannon, for benchmarks whose requests must go out in a
 * known order: `opts.connections` workers, each on its own keep-alive connection, each sending
 * one request at a time and building it (`next(worker)`) only when it is about to send it. (An
 * autocannon `setupRequest` may build a request ahead and shares no state per connection, so a
 * per-agent order cannot be promised with it.) Warm-up first, then the measured run; any error or
 * answer outside 2xx fails the measurement with a BenchFailure counting them by kind.
 */
export async function measureSequential(
  label: string,
  url: string,
  opts: LoadOptions,
  next: (worker: number) => NextRequest,
  /** Called just before and just after the measured run (not the warm-up), e.g. to read CPU counters. */
  onMeasured?: (edge: "start" | "end") => void,
): Promise<Measurement> {
  const failures: Failures = {};
  const target = new URL(url);
  const agents = Array.from(
    { length: opts.connections },
    () => new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 }),
  );
  try {
    let attempted = 0;
    if (opts.warmupSeconds > 0) attempted += (await run(opts.warmupSeconds)).attempted;
    onMeasured?.("start");
    const measured = await run(opts.durationSeconds);
    onMeasured?.("end");
    attempted += measured.attempted;
    if (Object.keys(failures).length > 0) throw new BenchFailure(label, failures, attempted);
    const h = measured.histogram;
    const result: Measurement = {
      label,
      requestsPerSecond: measured.answered / measured.seconds,
      p50Ms: Math.round(h.getValueAtPercentile(50) / 100) / 10,
      p99Ms: Math.round(h.getValueAtPercentile(99) / 100) / 10,
      requests: measured.attempted,
      errors: 0,
      non2xx: 0,
    };
    h.destroy();
    return result;
  } finally {
    for (const agent of agents) agent.destroy();
  }

  async function run(seconds: number) {
    const histogram = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 120_000_000,
      numberOfSignificantValueDigits: 3,
    });
    const started = performance.now();
    const end = started + seconds * 1000;
    let answered = 0;
    let attempted = 0;
    await Promise.all(
      agents.map(async (agent, worker) => {
        while (performance.now() < end) {
          const request = next(worker);
          const sent = performance.now();
          attempted++;
          const status = await send(agent, request).catch((err: NodeJS.ErrnoException) => err.code ?? err.message);
          if (typeof status === "number" && status >= 200 && status <= 299) {
            histogram.recordValue(Math.max(1, Math.round((performance.now() - sent) * 1000)));
            answered++;
          } else {
            const kind = typeof status === "number" ? `HTTP ${status}` : status;
            failures[kind] = (failures[kind] ?? 0) + 1;
          }
        }
      }),
    );
    return { histogram, answered, attempted, seconds: (performance.now() - started) / 1000 };
  }

  function send(agent: http.Agent, request: NextRequest): Promise<number> {
    return new Promise((resolve, reject) => {
      const body = Buffer.from(request.body);
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: "POST",
          path: request.path,
          headers: { ...request.headers, "content-length": String(body.length) },
        },
        (res) => {
          res.on("data", () => undefined);
          res.on("end", () => resolve(res.statusCode ?? 0));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.setTimeout(10_000, () => req.destroy(Object.assign(new Error("timeout"), { code: "timeout" })));
      req.end(body);
    });
  }
}
