import autocannon from "autocannon";

export interface Measurement {
  label: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Requests answered in the measured run. */
  requests: number;
  errors: number;
  non2xx: number;
}

export interface LoadOptions {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

/**
 * Failed requests by kind: `HTTP <status>` for an answer outside 2xx, the socket error's code
 * (`ECONNRESET`, `ECONNREFUSED`, `timeout`…), or `closed without an answer`.
 */
export type Failures = Record<string, number>;

/**
 * A benchmark whose requests did not all succeed: its figures would measure the error path (a
 * fast 429 or 500 flatters throughput), so it fails instead, naming what went wrong and how often.
 */
export class BenchFailure extends Error {
  override name = "BenchFailure";
  constructor(
    readonly label: string,
    readonly failures: Failures,
    readonly attempted: number,
  ) {
    const total = Object.values(failures).reduce((a, b) => a + b, 0);
    const kinds = Object.entries(failures)
      .sort((a, b) => b[1] - a[1])
      .map(([kind, n]) => `${kind} ×${n}`)
      .join(", ");
    super(
      `${label}: ${total} of ${attempted} requests failed (${kinds}); a benchmark counts only when every request succeeds`,
    );
  }
}

/**
 * Loads one URL with autocannon after a warm-up, and returns the steady-state figures. Any
 * request that errors or answers outside 2xx, in the warm-up or the run, fails the measurement
 * with a BenchFailure that counts them by kind.
 */
export async function measure(
  label: string,
  url: string,
  opts: LoadOptions,
  headers: Record<string, string> = {},
  /** More autocannon options: method, body, or `requests` whose setupRequest varies each request. */
  extra: Partial<autocannon.Options> = {},
): Promise<Measurement> {
  const failures: Failures = {};
  const base = { url, headers, connections: opts.connections, ...extra };
  const warmup = opts.warmupSeconds > 0 ? await load({ ...base, duration: opts.warmupSeconds }, failures) : undefined;
  const run = await load({ ...base, duration: opts.durationSeconds }, failures);
  if (Object.keys(failures).length > 0)
    throw new BenchFailure(label, failures, (warmup?.attempted ?? 0) + run.attempted);
  return {
    label,
    requestsPerSecond: run.result.requests.average,
    p50Ms: run.result.latency.p50,
    p99Ms: run.result.latency.p99,
    requests: run.attempted,
    errors: run.result.errors + run.result.timeouts,
    non2xx: run.result.non2xx,
  };
}

/** One autocannon run; every failed request is added to `failures` by kind. */
function load(
  options: autocannon.Options,
  failures: Failures,
): Promise<{ result: autocannon.Result; attempted: number }> {
  let attempted = 0;
  const count = (kind: string) => (failures[kind] = (failures[kind] ?? 0) + 1);
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (err: unknown, result) => {
      if (err) return reject(err instanceof Error ? err : new Error(String(err)));
      // A request whose connection closed without an answer is silently sent again by autocannon:
      // count those from what it sent, less what was still in flight when it stopped.
      const sent = (result.requests as { sent?: number }).sent ?? attempted;
      const unanswered = sent - attempted - (options.connections ?? 10) * (options.pipelining ?? 1);
      if (unanswered > 0) {
        failures["closed without an answer"] = (failures["closed without an answer"] ?? 0) + unanswered;
        attempted += unanswered;
      }
      resolve({ result, attempted });
    });
    instance.on("response", (_client, statusCode) => {
      attempted++;
      if (statusCode < 200 || statusCode > 299) count(`HTTP ${statusCode}`);
    });
    instance.on("reqError", (err: { code?: string; message?: string }) => {
      attempted++;
      count(err?.code ?? (err?.message === "request timed out" ? "timeout" : (err?.message ?? "error")));
    });
  });
}

export function loadOptionsFromEnv(): LoadOptions {
  return {
    connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
    durationSeconds: Number(process.env.BENCH_DURATION ?? 10),
    warmupSeconds: Number(process.env.BENCH_WARMUP ?? 3),
  };
}

export function printComparison(subject: Measurement, baseline: Measurement): void {
  const rows = [subject, baseline].map((m) => ({
    target: m.label,
    "req/s": Math.round(m.requestsPerSecond),
    "p50 ms": m.p50Ms,
    "p99 ms": m.p99Ms,
    requests: m.requests,
  }));
  console.table(rows);
  const ratio = subject.requestsPerSecond / baseline.requestsPerSecond;
  console.log(
    `ratio (${subject.label} / ${baseline.label}): ${ratio.toFixed(3)} of the baseline's throughput; p99 ${(subject.p99Ms / Math.max(baseline.p99Ms, 1)).toFixed(1)}x`,
  );
}

/** A request a benchmark relies on (seeding, a sample, a step): anything but 2xx stops it, naming the answer. */
export async function expectOk(res: Response, what: string): Promise<Response> {
  if (res.status >= 200 && res.status <= 299) return res;
  throw new Error(`${what}: HTTP ${res.status} ${(await res.text().catch(() => "")).slice(0, 300)}`);
}
