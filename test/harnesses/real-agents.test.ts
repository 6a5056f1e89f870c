/**
 * The three coding assistants as real agents: the real CLIs (installed by the broker on first
 * use), run by a real hub and its local broker as unprivileged agent users, against the scripted
 * model server on loopback. Nothing here reaches the internet: the broker installs from npm's
 * local cache when it has the packages, and the CLIs talk only to the model server.
 */
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventDelivery } from "../../lib/events/event-bus";
import { LocalRuntime } from "../../broker/runtimes/local-runtime";
import { testHarnessDir } from "../support/harness-sandbox";
import { startModelServer, type ModelServer } from "../support/model-server";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";

interface Case {
  id: "claude" | "gemini" | "codex";
  keyName: string;
  /** How the CLI is pointed at the model server: the agent's own env. */
  baseEnv: (url: string) => Record<string, string>;
  /** The tool name the harness reports while it runs the shell command. */
  tool: string;
}

const CASES: Case[] = [
  { id: "claude", keyName: "ANTHROPIC_API_KEY", baseEnv: (url) => ({ ANTHROPIC_BASE_URL: url }), tool: "Bash" },
  {
    id: "gemini",
    keyName: "GEMINI_API_KEY",
    baseEnv: (url) => ({ GOOGLE_GEMINI_BASE_URL: url }),
    tool: "run_shell_command",
  },
  { id: "codex", keyName: "OPENAI_API_KEY", baseEnv: (url) => ({ OPENAI_BASE_URL: `${url}/v1` }), tool: "Bash" },
];

const FINAL = (id: string) => `All done for ${id}: proof.txt is written.`;
const FOLLOW_UP = (id: string) => `FOLLOWUP-${id} what did you write?`;
const AFTER_RESTART = (id: string) => `AFTERRESTART-${id} are you still there?`;

let t: TestHub;
let model: ModelServer;
let alice: TestUser;
let projectId: string;
const secretValues: string[] = [];
const deliveries: EventDelivery[] = [];
const responses: string[] = [];
let unsubscribe: () => void = () => undefined;
/** What the report of this run says, per harness. */
const figures: Record<string, Record<string, unknown>> = {};

const json = async (res: Response) => {
  const text = await res.text();
  responses.push(text);
  return JSON.parse(text) as Record<string, unknown>;
};

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

beforeAll(async () => {
  // One harness directory for the run: each CLI is installed once, whichever test needs it first.
  process.env.SCION_HARNESS_DIR = testHarnessDir();
  process.env.npm_config_prefer_offline = "true";
  model = await startModelServer({
    script: CASES.flatMap((c) => [
      { when: `TASK-${c.id}`, commands: [`echo hello-${c.id} > proof.txt`], text: FINAL(c.id) },
      { when: `FOLLOWUP-${c.id}`, text: `I wrote proof.txt for ${c.id}.` },
      { when: `AFTERRESTART-${c.id}`, text: `Still here, ${c.id}.` },
    ]),
  });
  t = await startTestHub(
    { SCION_LOCAL_BROKER: "true", SCION_LOG_LEVEL: "debug" },
    { localBroker: true, logLevel: "debug" },
  );
  unsubscribe = t.hub.runtime.events.subscribe([">"], (d) => deliveries.push(d));
  alice = await t.createUser({ role: "admin" });
  const project = await json(await alice.request("/api/v1/projects", { method: "POST", json: { name: "Assistants" } }));
  projectId = project.id as string;
  await until(
    "the local broker to come online",
    async () => {
      const { items } = (await (await alice.request("/api/v1/runtime-brokers")).json()) as {
        items: Array<{ status: string }>;
      };
      return items.some((b) => b.status === "online");
    },
    60_000,
  );
}, 120_000);

afterAll(async () => {
  // What went wrong, when something did: the hub's and its broker's warnings.
  const warnings =
    t?.log.lines().filter((l) => ["warn", "error", "fatal", 40, 50, 60].includes(l.level as string)) ?? [];
  if (warnings.length)
    console.log(
      warnings
        .slice(-30)
        .map((l) => JSON.stringify(l))
        .join("\n"),
    );
  unsubscribe();
  await t?.close();
  await model?.close();
  console.log(`harness figures: ${JSON.stringify(figures)}`);
});

const agentJson = async (id: string) => json(await alice.request(`/api/v1/agents/${id}`));
const history = async (id: string) =>
  (
    (await json(await alice.request(`/api/v1/agents/${id}/history`))).items as Array<{
      phase: string;
      activity: string | null;
      detail: string | null;
    }>
  ).reverse();

describe.each(CASES)("$id as a real agent", (c) => {
  let agentId: string;

  it("refuses to start without its API key: 422 missing_credentials, nothing created", async () => {
    const bob = await t.createUser();
    const res = await bob.request("/api/v1/agents", {
      method: "POST",
      json: { projectId, name: `no-key-${c.id}`, harness: c.id, task: "x", start: true },
    });
    expect(res.status).toBe(422);
    const body = (await json(res)) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("missing_credentials");
    expect(body.error.message).toContain(c.keyName);
    const listed = (await json(await bob.request(`/api/v1/agents?projectId=${projectId}`))) as { items: unknown[] };
    expect(listed.items).toEqual([]);
  });

  it("runs the task: thinking → executing the tool → idle, the file in the workspace, the final text as lastOutput", async () => {
    const secret = `sk-test-${c.id}-${crypto.randomUUID()}`;
    secretValues.push(secret);
    expect(
      (
        await alice.request("/api/v1/secrets", {
          method: "POST",
          json: { name: c.keyName, value: secret, scope: "user" },
        })
      ).status,
    ).toBeLessThan(300);
    const task = `TASK-${c.id}: create proof.txt in the workspace.`;
    const began = Date.now();
    const res = await alice.request("/api/v1/agents", {
      method: "POST",
      json: { projectId, name: `${c.id}-agent`, harness: c.id, task, env: c.baseEnv(model.url), start: true },
    });
    const created = await json(res);
    expect(res.status, JSON.stringify(created)).toBe(201);
    agentId = created.id as string;
    await until("the agent to run", async () => (await agentJson(agentId)).phase === "running", 300_000);
    const running = Date.now() - began;
    const done = await until(
      "the final text as lastOutput",
      async () => {
        const a = await agentJson(agentId);
        if (a.phase === "error") throw new Error(`the agent failed: ${String(a.detail)}`);
        return a.lastOutput === FINAL(c.id) && a;
      },
      180_000,
    );
    expect(done.phase).toBe("running");
    const proof = path.join(t.dataDir, "broker", "workspaces", agentId, "proof.txt");
    expect(fs.readFileSync(proof, "utf8").trim()).toBe(`hello-${c.id}`);
    expect(model.turns().some((r) => r.userTexts.some((u) => u.includes(`TASK-${c.id}`)))).toBe(true);

    // The activity history, in order: thinking, then the tool, then idle.
    const seen = await until(
      "idle after the turn",
      async () => {
        const h = await history(agentId);
        return h.at(-1)?.activity === "idle" && h;
      },
      30_000,
    );
    const activities = seen
      .filter((e) => e.phase === "running")
      .map((e) => (e.activity === "executing" ? `executing:${e.detail}` : e.activity));
    const thinking = activities.indexOf("thinking");
    const executing = activities.indexOf(`executing:${c.tool}`, thinking);
    expect(thinking).toBeGreaterThanOrEqual(0);
    expect(executing).toBeGreaterThan(thinking);
    expect(activities.lastIndexOf("idle")).toBeGreaterThan(executing);
    // The broker says what it installed (first use in this run) and reports the version to the hub.
    const installed = t.log
      .lines()
      .map((l) => String(l.msg))
      .find((m) => m.includes(`"harness":"${c.id}"`) && m.includes("installed "));
    const harnesses = (await json(await alice.request("/api/v1/harnesses"))) as {
      items: Array<{ id: string; brokers: Array<{ available: boolean; version: string | null }> }>;
    };
    const version = harnesses.items.find((h) => h.id === c.id)?.brokers[0]?.version;
    expect(version).toMatch(/\d+\.\d+\.\d+/);
    figures[c.id] = {
      version,
      startToRunningMs: running,
      installMs: installed ? JSON.parse(installed).ms : "already installed",
      activities: activities.join(" → "),
    };
  }, 600_000);

  it("hears a message typed to the running agent as a new user turn", async () => {
    const res = await alice.request(`/api/v1/agents/${agentId}/messages`, {
      method: "POST",
      json: { body: FOLLOW_UP(c.id) },
    });
    expect(res.status).toBe(201);
    await until(
      "the follow-up at the model server",
      async () => model.turns().some((r) => r.userTexts.at(-1)?.includes(`FOLLOWUP-${c.id}`)),
      90_000,
    );
    await until(
      "the follow-up's answer as lastOutput",
      async () => (await agentJson(agentId)).lastOutput === `I wrote proof.txt for ${c.id}.`,
      90_000,
    );
  }, 200_000);

  it("resumes the conversation after a restart", async () => {
    const res = await alice.request(`/api/v1/agents/${agentId}/restart`, { method: "POST", json: {} });
    expect([200, 202]).toContain(res.status);
    await until("the agent to run again", async () => (await agentJson(agentId)).phase === "running", 120_000);
    // Give the resumed CLI its prompt: what reaches the model server carries the earlier turns.
    await until(
      "the message to be accepted",
      async () => {
        const sent = await alice.request(`/api/v1/agents/${agentId}/messages`, {
          method: "POST",
          json: { body: AFTER_RESTART(c.id) },
        });
        return sent.status === 201;
      },
      30_000,
    );
    const resumed = await until(
      "the resumed conversation at the model server",
      async () => model.turns().find((r) => r.userTexts.at(-1)?.includes(`AFTERRESTART-${c.id}`)),
      90_000,
    ).catch(async (err: Error) => {
      // Only look: the failure message shows the agent's screen as it was, untouched.
      const rt = new LocalRuntime(path.join(t.dataDir, "broker"));
      const screen = await rt.capture(agentId).catch((e: Error) => e.message);
      const started = t.log.lines().filter((l) => /agent started|typed a message/.test(String(l.msg)));
      throw new Error(
        `${err.message}\n--- screen ---\n${screen}\n--- starts ---\n${started.map((l) => JSON.stringify(l)).join("\n")}`,
      );
    });
    expect(resumed.userTexts.some((u) => u.includes(`TASK-${c.id}`))).toBe(true);
    expect(resumed.userTexts.some((u) => u.includes(`FOLLOWUP-${c.id}`))).toBe(true);
    const stop = await alice.request(`/api/v1/agents/${agentId}/stop`, { method: "POST" });
    expect(stop.status).toBe(200);
  }, 300_000);
});

describe("the API keys", () => {
  it("appear in no API response, event, log line, audit row or database column but the sealed one", async () => {
    expect(secretValues.length).toBe(CASES.length);
    const logs = t.log.lines().map((l) => JSON.stringify(l));
    const events = deliveries.map((d) => JSON.stringify(d));
    const client = new pg.Client({ connectionString: t.db.url });
    await client.connect();
    const dump: string[] = [];
    try {
      const tables = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
      );
      for (const { table_name } of tables.rows) {
        const rows = await client.query(`SELECT t::text AS row FROM "${table_name}" t`);
        for (const r of rows.rows as Array<{ row: string }>) dump.push(`${table_name}: ${r.row}`);
      }
    } finally {
      await client.end();
    }
    expect(logs.length).toBeGreaterThan(0);
    expect(dump.some((row) => row.startsWith("secrets:"))).toBe(true);
    for (const value of secretValues) {
      expect(responses.filter((r) => r.includes(value))).toEqual([]);
      expect(events.filter((e) => e.includes(value))).toEqual([]);
      expect(logs.filter((l) => l.includes(value))).toEqual([]);
      expect(dump.filter((row) => row.includes(value))).toEqual([]);
    }
  });
});
