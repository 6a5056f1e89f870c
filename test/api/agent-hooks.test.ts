import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintAgentToken } from "../../lib/auth/agent-token";
import { sweepAgentLimits } from "../../lib/agents/enforce-agent-limits";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { until } from "../until";

let t: TestHub;
let alice: TestUser;
let projectId: string;

interface AgentBody {
  id: string;
  phase: string;
  activity: string | null;
  detail: string | null;
  lastOutput: string | null;
}
interface HistoryEntry {
  phase: string;
  activity: string | null;
  detail: string | null;
  actor: string;
}

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;

beforeAll(async () => {
  t = await startTestHub();
  alice = await t.createUser();
  projectId = (
    await json<{ id: string }>(await alice.request("/api/v1/projects", { method: "POST", json: { name: "hooks" } }))
  ).id;
});
afterAll(async () => {
  await t.close();
});

let counter = 0;
/** A running agent (no broker) and a way to post status reports with its own token. */
async function runningAgent(limits: Record<string, number> = {}) {
  const agent = await json<{ id: string }>(
    await alice.request("/api/v1/agents", { method: "POST", json: { projectId, name: `h${++counter}`, limits } }),
  );
  const row = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: agent.id } });
  const { token } = await mintAgentToken(t.hub.runtime.sessionSecret, row);
  const post = (body: unknown) =>
    fetch(`${t.url}/api/v1/agents/${agent.id}/status`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const report = async (body: unknown) => {
    const res = await post(body);
    expect(res.status, JSON.stringify(body)).toBe(200);
    return json<AgentBody>(res);
  };
  await report({ phase: "running", activity: "idle" });
  const history = async () =>
    (await json<{ items: HistoryEntry[] }>(await alice.request(`/api/v1/agents/${agent.id}/history`))).items.reverse();
  const get = async () => json<AgentBody>(await alice.request(`/api/v1/agents/${agent.id}`));
  const row_ = () => t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: agent.id } });
  return { id: agent.id, post, report, history, get, row: row_ };
}

describe("status reports from harness hooks", () => {
  it("a turn shows as thinking → executing (tool) → thinking → idle, counts one turn and keeps the last output", async () => {
    const a = await runningAgent();
    await a.report({ hookEvent: "session-start", activity: "idle", detail: null });
    await a.report({ hookEvent: "prompt-submit", activity: "thinking", detail: null });
    await a.report({ hookEvent: "tool-start", activity: "executing", detail: "Bash" });
    await a.report({ hookEvent: "tool-end", activity: "thinking", detail: null });
    const last = await a.report({
      hookEvent: "turn-end",
      activity: "idle",
      detail: null,
      lastOutput: "\n  All done: proof written.  \n",
    });
    expect(last).toMatchObject({ activity: "idle", lastOutput: "All done: proof written." });
    expect((await a.history()).map((h) => [h.activity, h.detail])).toEqual([
      [null, null],
      ["idle", null],
      ["thinking", null],
      ["executing", "Bash"],
      ["thinking", null],
      ["idle", null],
    ]);
    expect((await a.get()).lastOutput).toBe("All done: proof written.");
    const row = await a.row();
    expect(row.turnCount).toBe(1);
    expect(row.sessionStartedAt).not.toBeNull();
  });

  it("waiting_for_input survives tool ends, turn ends, model events and tool starts, and gives way to a new prompt", async () => {
    const a = await runningAgent();
    await a.report({ hookEvent: "prompt-submit", activity: "thinking", detail: null });
    await a.report({
      hookEvent: "notification",
      activity: "waiting_for_input",
      detail: "Claude needs your permission to use Bash",
    });
    for (const body of [
      { hookEvent: "tool-end", activity: "thinking", detail: null },
      { hookEvent: "model-start", activity: "thinking", detail: null },
      { hookEvent: "model-end" },
      { hookEvent: "tool-start", activity: "executing", detail: "Bash" },
      { hookEvent: "turn-end", activity: "idle", detail: null, lastOutput: "Which file?" },
    ]) {
      expect(await a.report(body), JSON.stringify(body)).toMatchObject({
        activity: "waiting_for_input",
        detail: "Claude needs your permission to use Bash",
      });
    }
    // The turn's output is kept even though the activity did not move.
    expect((await a.get()).lastOutput).toBe("Which file?");
    expect(await a.report({ hookEvent: "prompt-submit", activity: "thinking", detail: null })).toMatchObject({
      activity: "thinking",
      detail: null,
    });
    expect((await a.history()).map((h) => h.activity)).toEqual([
      null,
      "idle",
      "thinking",
      "waiting_for_input",
      "thinking",
    ]);
    expect((await a.row()).turnCount).toBe(2);
  });

  it("completed survives a turn end and gives way to a new session; a report without hookEvent still sets what it says", async () => {
    const a = await runningAgent();
    await a.report({ hookEvent: "response-complete", activity: "completed", detail: null });
    expect(await a.report({ hookEvent: "turn-end", activity: "idle", detail: null })).toMatchObject({
      activity: "completed",
    });
    expect(await a.report({ hookEvent: "session-start", activity: "idle", detail: null })).toMatchObject({
      activity: "idle",
    });
    await a.report({ hookEvent: "notification", activity: "waiting_for_input", detail: "needs input" });
    // `scion-agent report` (no hook event) is an explicit statement, not a late hook.
    expect(await a.report({ activity: "thinking", detail: "by hand" })).toMatchObject({
      activity: "thinking",
      detail: "by hand",
    });
  });

  it("stores the last output trimmed to 4000 characters; refuses more than 64 KiB and unknown hook events", async () => {
    const a = await runningAgent();
    const long = `  ${"x".repeat(3998)}yz${"z".repeat(2000)}  `;
    const agent = await a.report({ hookEvent: "turn-end", activity: "idle", lastOutput: long });
    expect(agent.lastOutput).toBe(`${"x".repeat(3998)}yz`);
    // Nothing but blanks says nothing: the previous output stays.
    expect((await a.report({ hookEvent: "turn-end", activity: "idle", lastOutput: " \n " })).lastOutput).toBe(
      `${"x".repeat(3998)}yz`,
    );
    const tooLong = await a.post({ hookEvent: "turn-end", lastOutput: "x".repeat(65_537) });
    expect(tooLong.status).toBe(400);
    expect((await json<{ error: { code: string } }>(tooLong)).error.code).toBe("validation_error");
    expect((await a.post({ hookEvent: "tool-flew", activity: "idle" })).status).toBe(400);
    expect((await a.get()).lastOutput).toBe(`${"x".repeat(3998)}yz`);
  });

  it("the prompt over maxTurns stops the agent, which ends stopped with limits_exceeded and says which limit", async () => {
    const a = await runningAgent({ maxTurns: 3 });
    for (let i = 0; i < 3; i++) {
      expect(await a.report({ hookEvent: "prompt-submit", activity: "thinking", detail: null })).toMatchObject({
        phase: "running",
        activity: "thinking",
      });
      await a.report({ hookEvent: "turn-end", activity: "idle", detail: null });
    }
    const over = await a.report({ hookEvent: "prompt-submit", activity: "thinking", detail: null });
    expect(over).toMatchObject({ activity: "limits_exceeded", detail: "maxTurns 3 reached" });
    await until(async () => {
      const now = await a.get();
      return now.phase === "stopped" && now.activity === "limits_exceeded";
    });
    expect(await a.get()).toMatchObject({
      phase: "stopped",
      activity: "limits_exceeded",
      detail: "maxTurns 3 reached",
    });
    const history = await a.history();
    expect(history.at(-1)).toMatchObject({
      phase: "stopped",
      activity: "limits_exceeded",
      detail: "maxTurns 3 reached",
      actor: "hub:limits",
    });
    expect((await a.row()).turnCount).toBe(4);
  });

  it("nothing a hook says replaces limits_exceeded while the stop is under way", async () => {
    const a = await runningAgent({ maxTurns: 1 });
    await a.report({ hookEvent: "prompt-submit", activity: "thinking" });
    // Mark it over the limit in the database as a stop under way would (the broker has not answered yet).
    await t.hub.runtime.prisma.agent.update({
      where: { id: a.id },
      data: { phase: "stopping", activity: "limits_exceeded", detail: "maxTurns 1 reached" },
    });
    expect(await a.report({ hookEvent: "tool-start", activity: "executing", detail: "Bash" })).toMatchObject({
      activity: "limits_exceeded",
      detail: "maxTurns 1 reached",
    });
    expect(await a.report({ hookEvent: "prompt-submit", activity: "thinking" })).toMatchObject({
      activity: "limits_exceeded",
      detail: "maxTurns 1 reached",
    });
    expect(await a.report({ phase: "stopped", detail: null })).toMatchObject({
      phase: "stopped",
      activity: "limits_exceeded",
    });
    expect((await a.row()).turnCount).toBe(1);
  });

  it("the limits sweep stops running agents past maxDurationMinutes since they started, and no others", async () => {
    const timed = await runningAgent({ maxDurationMinutes: 30 });
    const untimed = await runningAgent();
    const startedAt = (await timed.row()).startedAt!;
    const at = (minutes: number) => new Date(startedAt.getTime() + minutes * 60_000);
    expect(await sweepAgentLimits(t.hub.runtime, at(29))).toMatchObject({ stopped: 0 });
    expect((await timed.get()).phase).toBe("running");
    expect(await sweepAgentLimits(t.hub.runtime, at(31))).toEqual({ stopped: 1, failed: 0 });
    expect(await timed.get()).toMatchObject({
      phase: "stopped",
      activity: "limits_exceeded",
      detail: "maxDurationMinutes 30 reached",
    });
    expect((await timed.history()).at(-1)).toMatchObject({ phase: "stopped", actor: "hub:limits" });
    expect((await untimed.get()).phase).toBe("running");
  });
});
