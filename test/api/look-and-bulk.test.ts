import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentJson } from "../../lib/agents/schemas";
import type { BulkSummary } from "../../lib/agents/bulk-agents";
import { openEventStream } from "../sse-client";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { until } from "../until";

/**
 * Issue 14, "look without the terminal" and "many agents at once", for real: a hub with its local
 * broker (tmux), agents running a shell under the shim. The screen and the logs come through the
 * broker's control channel; bulk actions act only on the agents the caller may act on.
 */
let t: TestHub;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;
let projectId: string;

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;
type ErrorBody = { error: { code: string; message: string } };
type Screen = { agentId: string; text: string; cols: number; rows: number; capturedAt: string };
type Logs = { agentId: string; lines: Array<{ source: "shim" | "harness"; text: string }>; text: string };
const SHELL = { harness: "generic", command: "PS1='$ ' exec bash --norc --noprofile -i" };
const ESC = "\x1b";

beforeAll(async () => {
  t = await startTestHub({ SCION_LOCAL_BROKER: "true" }, { localBroker: true });
  [alice, bob, admin] = await Promise.all([t.createUser(), t.createUser(), t.createUser({ role: "admin" })]);
  projectId = (
    await json<{ id: string }>(await alice.request("/api/v1/projects", { method: "POST", json: { name: "looks" } }))
  ).id;
  await until(
    async () => (await t.hub.runtime.prisma.runtimeBroker.count({ where: { status: "online" } })) > 0,
    "the local broker",
    60_000,
  );
}, 120_000);
afterAll(async () => {
  await t?.close();
});

async function runningAgent(name: string, user = alice, body: Record<string, unknown> = SHELL) {
  const res = await user.request("/api/v1/agents", { method: "POST", json: { projectId, name, start: true, ...body } });
  const agent = await json<AgentJson>(res);
  expect([res.status, agent.phase]).toEqual([201, "running"]);
  return agent;
}
const type = async (id: string, text: string, user = alice) =>
  expect((await user.request(`/api/v1/agents/${id}/messages`, { method: "POST", json: { body: text } })).status).toBe(
    201,
  );
const screen = async (id: string, query = "", user = alice) => {
  const res = await user.request(`/api/v1/agents/${id}/screen${query}`);
  return { status: res.status, body: await json<Screen & ErrorBody>(res) };
};
const screenShows = (id: string, needle: string, query = "") =>
  until(async () => {
    const { status, body } = await screen(id, query);
    return status === 200 && body.text.includes(needle) ? body : undefined;
  }, `"${needle}" on the agent's screen (through the API)`);
const logs = async (id: string, query = "", user = alice) => {
  const res = await user.request(`/api/v1/agents/${id}/logs${query}`);
  return { status: res.status, body: await json<Logs & ErrorBody>(res) };
};
/** How many times this hub asked a broker for logs (the follow's steps). */
const logCalls = async () =>
  (await t.hub.runtime.metrics.brokerCalls.get()).values
    .filter((v) => v.metricName?.endsWith("_count") && v.labels.op === "agent.logs")
    .reduce((sum, v) => sum + v.value, 0);
const bulk = async (body: unknown, user = alice) => {
  const res = await user.request("/api/v1/agents/bulk", { method: "POST", json: body });
  return { status: res.status, body: await json<BulkSummary & ErrorBody>(res) };
};
const phaseOf = async (id: string) => (await t.hub.runtime.prisma.agent.findUnique({ where: { id } }))?.phase;

describe("GET /api/v1/agents/{id}/screen", () => {
  it("shows what the agent printed, as plain text by default and with its colours on ?ansi=true", async () => {
    const agent = await runningAgent("painter");
    await type(agent.id, "printf '\\033[31mred-%s\\033[0m\\n' $((6*7))");
    const plain = await screenShows(agent.id, "red-42");
    expect(plain.agentId).toBe(agent.id);
    expect(plain.text).not.toContain(ESC);
    expect(plain.text.split("\n").some((l) => l.startsWith("red-42"))).toBe(true);
    expect([plain.cols, plain.rows]).toEqual([200, 50]);
    expect(Math.abs(Date.parse(plain.capturedAt) - Date.now())).toBeLessThan(60_000);

    const coloured = await screenShows(agent.id, "red-42", "?ansi=true");
    expect(coloured.text).toContain(`${ESC}[31mred-42`);
  });

  it("is for the agent's owner and admins; others are told it does not exist; a stopped agent has no screen", async () => {
    const agent = await runningAgent("private-screen");
    await type(agent.id, "echo secret-$((1+1))");
    await screenShows(agent.id, "secret-2");
    const other = await screen(agent.id, "", bob);
    expect([other.status, other.body.error.code]).toEqual([404, "not_found"]);
    expect(other.body.error.message).not.toContain("secret");
    const byAdmin = await screen(agent.id, "", admin);
    expect([byAdmin.status, byAdmin.body.text.includes("secret-2")]).toEqual([200, true]);
    expect((await screen(agent.id, "?ansi=maybe")).status).toBe(400);

    expect((await alice.request(`/api/v1/agents/${agent.id}/stop`, { method: "POST" })).status).toBe(200);
    const stopped = await screen(agent.id);
    expect([stopped.status, stopped.body.error.code]).toEqual([409, "conflict"]);
  });
});

describe("GET /api/v1/agents/{id}/logs", () => {
  it("tails the harness's output and the shim's log, ANSI stripped, bounded by ?tail", async () => {
    const agent = await runningAgent("logger");
    await type(agent.id, "for i in 1 2 3 4 5; do printf '\\033[1mline-%s\\033[0m\\n' $i; done");
    await type(agent.id, `printf 'shim-%s\\n' $((7*11)) >> "$SCION_AGENT_LOG"`);
    const all = await until(async () => {
      const { status, body } = await logs(agent.id);
      return status === 200 && body.lines.some((l) => l.text === "shim-77") && body.text.includes("line-5")
        ? body
        : undefined;
    }, "both logs");
    expect(all.agentId).toBe(agent.id);
    expect(all.text).not.toContain(ESC);
    expect(all.lines.filter((l) => /^line-\d$/.test(l.text)).map((l) => [l.source, l.text])).toEqual(
      [1, 2, 3, 4, 5].map((i) => ["harness", `line-${i}`]),
    );
    expect(all.lines.find((l) => l.text === "shim-77")?.source).toBe("shim");

    const harness = await logs(agent.id, "?source=harness&tail=3");
    expect(harness.body.lines.every((l) => l.source === "harness")).toBe(true);
    expect(harness.body.lines.length).toBeLessThanOrEqual(3);
    expect((await logs(agent.id, "?tail=0")).body.lines).toEqual([]);
    for (const bad of ["?tail=-1", "?tail=100000", "?tail=ten", "?follow=sometimes", "?source=kernel", "?x=1"]) {
      const refused = await logs(agent.id, bad);
      expect([bad, refused.status, refused.body.error.code]).toEqual([bad, 400, "validation_error"]);
    }
    expect((await logs(agent.id, "", bob)).status).toBe(404);
    expect((await logs(agent.id, "", admin)).status).toBe(200);
  });

  it("follows as Server-Sent Events: the tail, then each new line; it stops asking the broker once the client leaves", async () => {
    const agent = await runningAgent("follower");
    await type(agent.id, "echo before-$((2*2))");
    await until(async () => (await logs(agent.id)).body.text.includes("before-4"), "the first line in the log");
    const stream = await openEventStream(`${t.url}/api/v1/agents/${agent.id}/logs?follow=true&tail=50`, {
      authorization: `Bearer ${alice.token}`,
    });
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get("content-type")).toContain("text/event-stream");
    await stream.next((e) => e.event === "line" && (e.data as { text: string }).text === "before-4");
    await type(agent.id, "echo after-$((3*3))");
    const line = await stream.next((e) => e.event === "line" && (e.data as { text: string }).text === "after-9");
    expect(line.data).toEqual({ source: "harness", text: "after-9" });

    stream.close();
    // Once the hub has noticed (its next step at most), no more asks go to the broker.
    await new Promise((r) => setTimeout(r, 2500));
    const settled = await logCalls();
    await new Promise((r) => setTimeout(r, 3000));
    expect(await logCalls()).toBe(settled);

    const foreign = await openEventStream(`${t.url}/api/v1/agents/${agent.id}/logs?follow=true`, {
      authorization: `Bearer ${bob.token}`,
    });
    expect(foreign.res.status).toBe(404);
    foreign.close();
  });
});

describe("POST /api/v1/agents/bulk", () => {
  it("stops, messages and deletes only the agents the caller may act on, with a result for each", async () => {
    const [mine1, mine2, bobs] = await Promise.all([
      runningAgent("bulk-a"),
      runningAgent("bulk-b"),
      runningAgent("bulk-bob", bob),
    ]);
    const missing = crypto.randomUUID();

    const messaged = await bulk({ action: "message", ids: [mine1.id, bobs.id], body: "echo bulk-msg-$((2+3))" });
    expect(messaged.status).toBe(200);
    expect(messaged.body).toMatchObject({ action: "message", total: 2, succeeded: 1, failed: 1 });
    expect(messaged.body.results).toEqual([
      { agentId: mine1.id, id: mine1.id, name: "bulk-a", ok: true },
      // Alice created the project: she sees Bob's agent in it, read-only, so she is told it is not hers to act on.
      {
        agentId: bobs.id,
        id: bobs.id,
        name: "bulk-bob",
        ok: false,
        code: "forbidden",
        error: "Only the agent's owner or an admin may do this; project members see the agent read-only.",
      },
    ]);
    await screenShows(mine1.id, "bulk-msg-5");

    const stopped = await bulk({ action: "stop", ids: [mine1.id, bobs.id, missing, mine2.id] });
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ total: 4, succeeded: 2, failed: 2 });
    expect(stopped.body.results.map((r) => [r.agentId, r.ok, r.code ?? null])).toEqual([
      [mine1.id, true, null],
      [bobs.id, false, "forbidden"],
      [missing, false, "not_found"],
      [mine2.id, true, null],
    ]);
    expect([await phaseOf(mine1.id), await phaseOf(mine2.id), await phaseOf(bobs.id)]).toEqual([
      "stopped",
      "stopped",
      "running",
    ]);

    // Bob neither owns nor sees Alice's agents: to him they do not exist, and nothing is done.
    const bobsTry = await bulk({ action: "delete", ids: [mine2.id] }, bob);
    expect(bobsTry.body.results).toEqual([
      { agentId: mine2.id, id: mine2.id, name: null, ok: false, code: "not_found", error: "No such agent." },
    ]);
    expect((await alice.request(`/api/v1/agents/${mine2.id}`)).status).toBe(200);

    const deleted = await bulk({ action: "delete", ids: [mine1.id, bobs.id] });
    expect(deleted.body.results.map((r) => r.ok)).toEqual([true, false]);
    expect((await alice.request(`/api/v1/agents/${mine1.id}`)).status).toBe(404);
    expect((await bob.request(`/api/v1/agents/${bobs.id}`)).status).toBe(200);

    // An admin may act on anyone's agent.
    const restarted = await bulk({ action: "restart", ids: [bobs.id] }, admin);
    expect(restarted.body.results).toEqual([{ agentId: bobs.id, id: bobs.id, name: "bulk-bob", ok: true }]);
    expect(await phaseOf(bobs.id)).toBe("running");
    await bulk({ action: "stop", ids: [bobs.id] }, bob);
  }, 120_000);

  it("stop all by filter: a member stops their own agents, an admin every agent; progress arrives as events", async () => {
    const [a1, a2, b1] = await Promise.all([
      runningAgent("all-a1", alice, { harness: "generic", command: "exec cat" }),
      runningAgent("all-a2", alice, { harness: "generic", command: "exec cat" }),
      runningAgent("all-b1", bob, { harness: "generic", command: "exec cat" }),
    ]);
    const bulkId = crypto.randomUUID();
    const progress = await openEventStream(`${t.url}/api/v1/events?sub=bulk.${bulkId}.progress`, {
      authorization: `Bearer ${alice.token}`,
    });
    // The confirmation's count: a dry run names exactly the agents the stop will touch, and stops none.
    const preview = await bulk({ action: "stop", filter: { phase: "running" }, dryRun: true });
    expect(preview.status).toBe(200);
    expect(preview.body.results.every((r) => r.ok)).toBe(true);
    expect(preview.body.succeeded).toBe(preview.body.total);
    expect([await phaseOf(a1.id), await phaseOf(a2.id)]).toEqual(["running", "running"]);
    const mine = await bulk({ action: "stop", filter: { phase: "running" }, bulkId });
    expect(mine.status).toBe(200);
    expect(mine.body.results.map((r) => r.agentId)).toEqual(preview.body.results.map((r) => r.agentId));
    // Every running agent of alice's (earlier tests left some running too), none of bob's.
    const ids = mine.body.results.map((r) => r.agentId);
    expect(ids).toEqual(expect.arrayContaining([a1.id, a2.id]));
    expect(ids).not.toContain(b1.id);
    expect(mine.body.results.every((r) => r.ok)).toBe(true);
    expect(
      await t.hub.runtime.prisma.agent.count({ where: { ownerId: `user:${alice.user.id}`, phase: "running" } }),
    ).toBe(0);
    expect(await phaseOf(b1.id)).toBe("running");
    const last = await progress.next(
      (e) => e.event === "update" && (e.data as { data: { done: number } }).data.done === ids.length,
    );
    expect((last.data as { data: Record<string, unknown> }).data).toMatchObject({
      total: ids.length,
      succeeded: ids.length,
      failed: 0,
    });
    // One progress event before the first agent and one after each.
    expect(progress.events.filter((e) => e.event === "update").length).toBe(ids.length + 1);
    progress.close();

    // Per project, then hub-wide for an admin: bob's agent too.
    const projectWide = await bulk({ action: "stop", filter: { projectId, phase: "running", mine: true } }, admin);
    expect(projectWide.body.total).toBe(0);
    const hubWide = await bulk({ action: "stop", filter: { phase: "running" } }, admin);
    expect(hubWide.body.results.map((r) => [r.agentId, r.ok])).toContainEqual([b1.id, true]);
    expect(await phaseOf(b1.id)).toBe("stopped");
  }, 120_000);

  it("refuses bad bodies with the 400 envelope and acts on nothing", async () => {
    const agent = await runningAgent("untouched", alice, { harness: "generic", command: "exec cat" });
    const bad: unknown[] = [
      {},
      { action: "stop" },
      { action: "explode", ids: [agent.id] },
      { action: "stop", ids: [agent.id], filter: {} },
      { action: "stop", ids: [] },
      { action: "stop", ids: ["not-a-uuid"] },
      { action: "message", ids: [agent.id] },
      { action: "stop", ids: [agent.id], body: "hi" },
      { action: "stop", filter: { phase: "dancing" } },
      { action: "stop", filter: { owner: "someone" } },
      { action: "stop", ids: Array.from({ length: 501 }, () => crypto.randomUUID()) },
      [agent.id],
      "stop",
    ];
    for (const body of bad) {
      const res = await bulk(body);
      expect([JSON.stringify(body).slice(0, 80), res.status, res.body.error?.code]).toEqual([
        JSON.stringify(body).slice(0, 80),
        400,
        "validation_error",
      ]);
    }
    const malformed = await alice.request("/api/v1/agents/bulk", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as ErrorBody).error.code).toBeTruthy();
    expect(await phaseOf(agent.id)).toBe("running");
    await bulk({ action: "delete", ids: [agent.id] });
  }, 60_000);
});
