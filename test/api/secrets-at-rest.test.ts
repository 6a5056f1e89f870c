import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalRuntime } from "../../broker/runtimes/local-runtime";
import type { AgentJson } from "../../lib/agents/schemas";
import { writeDispatchIntent } from "../../lib/dispatch/route-to-broker";
import { runDispatch } from "../../lib/dispatch/run-dispatches";
import { reapStuckDispatches } from "../../lib/dispatch/sweeps";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { until } from "../until";

/**
 * Secrets at rest: an agent's env map and the arguments of dispatch intents (which carry the env
 * and the agent's token) are never in the database in clear, read straight from Postgres; the
 * agent still gets its env at start.
 */
let t: TestHub;
let alice: TestUser;
let admin: TestUser;
let projectId: string;
let brokerId: string;
let tmux: LocalRuntime;

const json = async <T>(res: Response) => (await res.json()) as T;

beforeAll(async () => {
  t = await startTestHub({ SCION_LOCAL_BROKER: "true" }, { localBroker: true });
  [alice, admin] = await Promise.all([t.createUser(), t.createUser({ role: "admin" })]);
  projectId = (
    await json<{ id: string }>(await alice.request("/api/v1/projects", { method: "POST", json: { name: "secrets" } }))
  ).id;
  brokerId = await until(async () => {
    const { items } = await json<{ items: Array<{ id: string; status: string }> }>(
      await admin.request("/api/v1/runtime-brokers"),
    );
    return items.find((b) => b.status === "online")?.id;
  }, "the local broker to come online");
  tmux = new LocalRuntime(path.join(t.dataDir, "broker"));
}, 60_000);
afterAll(async () => {
  await t?.close();
});

/** The tables, among all of the hub's, that hold `needle` anywhere in a row. */
async function tablesHolding(needle: string): Promise<string[]> {
  const pool = t.hub.runtime.db.pool;
  const { rows: tables } = await pool.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  const holding: string[] = [];
  for (const { name } of tables) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${name}" x WHERE strpos(x::text, $1) > 0`,
      [needle],
    );
    if (rows[0]!.n > 0) holding.push(name);
  }
  return holding;
}

const screenOf = (id: string, needle: string) =>
  until(
    async () => ((await tmux.capture(id).catch(() => "")).includes(needle) ? true : undefined),
    `"${needle}" on the agent's screen`,
  );
const secret = (label: string) => `${label}-${crypto.randomBytes(12).toString("hex")}`;

describe("secrets at rest", () => {
  it("an agent's env is sealed in the database and never in the API, yet reaches the agent in clear at start", async () => {
    const apiKey = secret("sk-live");
    const res = await alice.request("/api/v1/agents", {
      method: "POST",
      json: {
        projectId,
        name: "keyed",
        harness: "generic",
        command: "echo key=$API_KEY; exec cat",
        env: { API_KEY: apiKey },
        start: true,
      },
    });
    const text = await res.text();
    expect(res.status, text).toBe(201);
    expect(text).not.toContain(apiKey);
    const agent = JSON.parse(text) as AgentJson;
    expect(agent.phase).toBe("running");
    expect(agent).not.toHaveProperty("env");
    await screenOf(agent.id, `key=${apiKey}`);

    const { rows } = await t.hub.runtime.db.pool.query<{ envSealed: string | null; legacyEnv: unknown }>(
      `SELECT "envSealed", "legacyEnv" FROM agents WHERE id = $1::uuid`,
      [agent.id],
    );
    expect(rows[0]!.envSealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(rows[0]!.legacyEnv).toBeNull();
    expect(await tablesHolding(apiKey)).toEqual([]);
    // Nor the agent's token, which went to the broker in the same start request.
    const token = fs.readFileSync(tmux.tokenFileOf(agent.id), "utf8").trim();
    expect(token.length).toBeGreaterThan(20);
    expect(await tablesHolding(token)).toEqual([]);

    for (const pathname of [`/api/v1/agents/${agent.id}`, "/api/v1/agents", `/api/v1/projects/${projectId}/agents`]) {
      expect(await (await alice.request(pathname)).text()).not.toContain(apiKey);
    }
    // A restart reads the sealed map back for the new start.
    expect((await alice.request(`/api/v1/agents/${agent.id}/restart`, { method: "POST" })).status).toBe(200);
    await screenOf(agent.id, `key=${apiKey}`);
  });

  it("a dispatch intent holds its arguments sealed while pending and drops them once done, failed or reaped", async () => {
    const { body: agent } = await alice
      .request("/api/v1/agents", {
        method: "POST",
        json: { projectId, name: "relay", harness: "generic", command: "exec cat", start: true },
      })
      .then(async (r) => ({ body: await json<AgentJson>(r) }));
    expect(agent.phase).toBe("running");
    const pool = t.hub.runtime.db.pool;
    const row = async (id: string) =>
      (
        await pool.query<{ state: string; args: unknown; text: string }>(
          `SELECT state::text AS state, args, d::text AS text FROM broker_dispatches d WHERE id = $1::uuid`,
          [id],
        )
      ).rows[0]!;

    // Pending for a broker no replica holds: sealed, nothing in clear.
    const { broker: offline } = await json<{ broker: { id: string } }>(
      await admin.request("/api/v1/runtime-brokers", { method: "POST", json: { name: "elsewhere" } }),
    );
    const parked = secret("parked");
    const parkedId = await writeDispatchIntent(t.hub.runtime, crypto.randomUUID(), {
      brokerId: offline.id,
      op: "agent.message",
      args: { agentId: agent.id, text: parked },
      actor: "user:test",
    });
    const pending = await row(parkedId);
    expect(pending.state).toBe("pending");
    expect(pending.args).toEqual({ sealed: expect.stringMatching(/^v1\./), timeoutMs: null });
    expect(pending.text).not.toContain(parked);
    // Past its deadline the reaper fails it, and the arguments go.
    await pool.query(`UPDATE broker_dispatches SET "deadlineAt" = now() - interval '1 second' WHERE id = $1::uuid`, [
      parkedId,
    ]);
    await reapStuckDispatches(t.hub.runtime);
    expect(await row(parkedId)).toMatchObject({ state: "failed", args: {} });

    // Run by the replica holding the broker: the broker gets them in clear, the row keeps nothing.
    const typed = secret("typed");
    const doneId = await writeDispatchIntent(t.hub.runtime, t.hub.runtime.hubId, {
      brokerId,
      agentId: agent.id,
      op: "agent.message",
      args: { agentId: agent.id, text: typed },
      actor: "user:test",
    });
    await runDispatch(t.hub.runtime, doneId);
    await screenOf(agent.id, typed);
    const done = await until(
      async () => ((await row(doneId)).state === "done" ? row(doneId) : undefined),
      "the intent to be done",
    );
    expect(done.args).toEqual({});

    const refused = secret("refused");
    const failedId = await writeDispatchIntent(t.hub.runtime, t.hub.runtime.hubId, {
      brokerId,
      op: "agent.message",
      args: { agentId: crypto.randomUUID(), text: refused },
      actor: "user:test",
    });
    await runDispatch(t.hub.runtime, failedId);
    const failed = await until(
      async () => ((await row(failedId)).state === "failed" ? row(failedId) : undefined),
      "the intent to fail",
    );
    expect(failed.args).toEqual({});

    for (const needle of [parked, typed, refused]) expect(await tablesHolding(needle)).toEqual([]);
    // Nor in the logs.
    const logged = JSON.stringify(t.log.lines());
    for (const needle of [parked, typed, refused]) expect(logged).not.toContain(needle);
  });

  it("the logger redacts broker-call arguments and env maps wherever a call site passes them", () => {
    const token = secret("scion_a");
    t.hub.runtime.logger.warn(
      { dispatchId: "d", args: { token, env: { K: "v" } }, req: { env: { API_KEY: token } } },
      "a careless log line",
    );
    const line = t.log.lines().find((l) => l.msg === "a careless log line")!;
    expect(line).toMatchObject({ dispatchId: "d", args: "[redacted]", req: { env: "[redacted]" } });
    expect(JSON.stringify(line)).not.toContain(token);
  });
});
