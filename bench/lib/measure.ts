import autocannon from "autocannon";

export interface Measurement {
  label: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

export interface LoadOptions {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

/** Loads one URL with autocannon after a warm-up, and returns the steady-state figures. */
export async function measure(label: string, url: string, opts: LoadOptions, headers: Record<string, string> = {}): Promise<Measurement> {
  if (opts.warmupSeconds > 0) await autocannon({ url, headers, connections: opts.connections, duration: opts.warmupSeconds });
  const result = await autocannon({ url, headers, connections: opts.connections, duration: opts.durationSeconds });
  return {
    label,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
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
    errors: m.errors + m.non2xx,
  }));
  console.table(rows);
  const ratio = subject.requestsPerSecond / baseline.requestsPerSecond;
  console.log(`ratio (${subject.label} / ${baseline.label}): ${ratio.toFixed(3)} of the baseline's throughput; p99 ${(subject.p99Ms / Math.max(baseline.p99Ms, 1)).toFixed(1)}x`);
}
