/**
 * GET /api/v1/agents?limit=50 with 2,000 agents in the database, as an admin with an API token
 * (authentication, the paged query and JSON through Next.js), against a bare Node http server
 * answering the same bytes, in the same run.
 */
import fs from "node:fs";
import path from "node:path";
import { startBenchHub } from "./lib/bench-hub";
import { startBareServer } from "./lib/bare-server";
import { expectOk, loadOptionsFromEnv, measure, printComparison, type Measurement } from "./lib/measure";

const AGENTS = Number(process.env.BENCH_AGENTS ?? 2000);

export async function run(): Promise<{ agents: number; subject: Measurement; baseline: Measurement }> {
  const opts = loadOptionsFromEnv();
  const hub = await startBenchHub();
  let bare: Awaited<ReturnType<typeof startBareServer>> | undefined;
  try {
    const url = hub.url;
    const token = fs.readFileSync(path.join(hub.dataDir, "dev-token"), "utf8").trim();
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    await seed(url, headers);
    const routeUrl = `${url}/api/v1/agents?limit=50`;
    const first = await fetch(routeUrl, { headers });
    const bytes = await first.text();
    if (first.status !== 200 || (JSON.parse(bytes) as { items: unknown[] }).items.length !== 50)
      throw new Error(`unexpected answer ${first.status}`);
    bare = await startBareServer(bytes);

    console.log(
      `agents-list: ${AGENTS} agents; ${opts.connections} connections, ${opts.warmupSeconds} s warm-up, ${opts.durationSeconds} s measured each; body ${bytes.length} bytes`,
    );
    const subject = await measure("hub GET /api/v1/agents?limit=50", routeUrl, opts, {
      authorization: headers.authorization,
    });
    const baseline = await measure("bare node http", bare.url, opts);
    printComparison(subject, baseline);
    return { agents: AGENTS, subject, baseline };
  } finally {
    bare?.stop();
    await hub.stop();
  }
}

/** Creates the agents through the API, a few at a time, with progress. */
async function seed(url: string, headers: Record<string, string>): Promise<void> {
  const project = (await (
    await expectOk(
      await fetch(`${url}/api/v1/projects`, { method: "POST", headers, body: JSON.stringify({ name: "bench" }) }),
      "creating the project",
    )
  ).json()) as { id: string };
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < AGENTS) {
      const i = next++;
      const res = await fetch(`${url}/api/v1/agents`, {
        method: "POST",
        headers,
        body: JSON.stringify({ projectId: project.id, name: `agent-${i}`, task: `task number ${i}` }),
      });
      if (res.status !== 201) throw new Error(`seeding agent ${i}: HTTP ${res.status}`);
      if (++done % 500 === 0) console.log(`  seeded ${done}/${AGENTS} agents`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}
