/**
 * GET /api/v1/version through the whole stack (server.ts → Next.js route handler → Prisma →
 * embedded Postgres) against a bare Node http server answering the same bytes, measured in the
 * same run on the same machine. Both servers run in their own processes; autocannon runs here.
 */
import { startBenchHub } from "./lib/bench-hub";
import { startBareServer } from "./lib/bare-server";
import { expectOk, loadOptionsFromEnv, measure, printComparison, type Measurement } from "./lib/measure";

export async function run(): Promise<{ subject: Measurement; baseline: Measurement }> {
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
    return { subject, baseline };
  } finally {
    bare?.stop();
    await hub.stop();
  }
}
