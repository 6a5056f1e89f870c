/**
 * GET /api/v1/version through the whole stack (server.ts → Next.js route handler → Prisma →
 * embedded Postgres) against a bare Node http server answering the same bytes, measured in the
 * same run on the same machine. Both servers run in their own processes; autocannon runs here.
 */
import { startBenchHub } from "./lib/bench-hub";
import { startBareServer } from "./lib/bare-server";
import { expectOk, loadOptionsFromEnv, measure, printComparison, type Measurement } from "./lib/measure";
import { round, type BenchResult, type BenchRow } from "./lib/summary";

export async function run(): Promise<BenchResult & { subject: Measurement; baseline: Measurement }> {
  const opts = loadOptionsFromEnv();
  const hub = await startBenchHub();
  let bare: Awaited<ReturnType<typeof startBareServer>> | undefined;
  try {
    const hubUrl = hub.url;
    const routeUrl = `${hubUrl}/api/v1/version`;
    const bytes = await (await expectOk(await fetch(routeUrl), `GET ${routeUrl}`)).text();

    bare = await startBareServer(bytes);

    console.log(
      `json-route: ${opts.connections} connections, ${opts.warmupSeconds} s warm-up, ${opts.durationSeconds} s measured each; body ${bytes.length} bytes`,
    );
    const subject = await measure("hub /api/v1/version", routeUrl, opts);
    const baseline = await measure("bare node http", bare.url, opts);
    printComparison(subject, baseline);
    const row: BenchRow = {
      path: "a route handler (reference)",
      subject: `GET /api/v1/version: ${Math.round(subject.requestsPerSecond)} req/s, p99 ${subject.p99Ms} ms`,
      baseline: `bare node http, same bytes: ${Math.round(baseline.requestsPerSecond)} req/s`,
      ratio: round(subject.requestsPerSecond / baseline.requestsPerSecond, 3),
      target: "none: what Next.js costs",
      pass: true,
    };
    return { rows: [row], subject, baseline };
  } finally {
    bare?.stop();
    await hub.stop();
  }
}
