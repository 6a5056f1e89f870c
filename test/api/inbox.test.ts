import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentJson } from "../../lib/agents/schemas";
import { mintAgentToken } from "../../lib/auth/agent-token";
import type { InboxItem, MessageJson } from "../../lib/messages/schemas";
import { openEventStream } from "../sse-client";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";

/**
 * Agents talk back (issue 14): `scion-agent say|ask` post a message from the agent to its owner
 * with its own token; the owner's inbox lists them with an unread count that events keep live; an
 * ask sets the agent waiting for input and writes exactly one notification event; a person's
 * answer (replyTo) keeps the question's channel and thread and marks it read.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
let t: TestHub;
let alice: TestUser;
let bob: TestUser;
let projectId: string;

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;

beforeAll(async () => {
  t = await startTestHub();
  [alice, bob] = await Promise.all([t.createUser(), t.createUser()]);
  projectId = (
    await json<{ id: string }>(await alice.request("/api/v1/projects", { method: "POST", json: { name: "talk" } }))
  ).id;
});
afterAll(async () => {
  await t?.close();
});

async function agentWithToken(name: string) {
  const res = await alice.request("/api/v1/agents", { method: "POST", json: { projectId, name } });
  expect(res.status).toBe(201);
  const agent = await json<AgentJson>(res);
  const row = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: agent.id } });
  const { token } = await mintAgentToken(t.hub.runtime.sessionSecret, row);
  const post = (body: unknown, id = agent.id) =>
    fetch(`${t.url}/api/v1/agents/${id}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  return { agent, token, post };
}

describe("agents message people", () => {
  it("say and ask reach the owner's inbox; ask sets waiting_for_input with one notification event; others see nothing", async () => {
    const { agent, post } = await agentWithToken("talker");
    const events = await openEventStream(`${t.url}/api/v1/events?sub=message.${agent.id}.created`, {
      authorization: `Bearer ${alice.token}`,
    });
    const said = await post({ body: "Tests are green.", kind: "say" });
    expect(said.status).toBe(201);
    const asked = await post({
      body: "Deploy to   staging\nor production?",
      kind: "ask",
      threadId: "t-1",
      channel: "slack",
    });
    expect(asked.status).toBe(201);
    const question = await json<MessageJson>(asked);
    expect(question).toMatchObject({ direction: "to_user", kind: "ask", sender: `agent:${agent.id}`, threadId: "t-1" });

    const created = await events.next(
      (e) => e.event === "update" && (e.data as { data: { id: string } }).data.id === question.id,
    );
    expect((created.data as { data: MessageJson }).data).toMatchObject({ direction: "to_user", kind: "ask" });
    events.close();

    const after = await json<AgentJson>(await alice.request(`/api/v1/agents/${agent.id}`));
    expect(after).toMatchObject({ activity: "waiting_for_input", detail: "Deploy to staging or production?" });
    const notifications = await t.hub.runtime.prisma.notificationEvent.findMany({
      where: { agentId: agent.id },
      orderBy: { createdAt: "asc" },
    });
    expect(notifications.map((n) => [n.kind, n.messageId, n.summary])).toEqual([
      ["message", expect.any(String), "talker: Tests are green."],
      ["waiting_for_input", question.id, "talker asks: Deploy to staging or production?"],
    ]);

    const inbox = await json<{ items: InboxItem[]; unread: number }>(await alice.request("/api/v1/inbox"));
    expect(inbox.unread).toBeGreaterThanOrEqual(2);
    expect(inbox.items.slice(0, 2)).toEqual([
      expect.objectContaining({ id: question.id, agentId: agent.id, agentName: "talker", kind: "ask", readAt: null }),
      expect.objectContaining({ agentName: "talker", kind: "say", body: "Tests are green." }),
    ]);
    const bobs = await json<{ items: InboxItem[]; unread: number }>(await bob.request("/api/v1/inbox"));
    expect(bobs).toEqual({ items: [], unread: 0, nextCursor: null });
    expect((await bob.request(`/api/v1/inbox/${question.id}/read`, { method: "POST" })).status).toBe(404);
  });

  it("an agent's token speaks only for its own agent, and bad bodies are 400 with nothing written", async () => {
    const { agent, post } = await agentWithToken("strict");
    const { agent: other } = await agentWithToken("other");
    expect((await post({ body: "hi" }, other.id)).status).toBe(403);
    for (const bad of [
      {},
      { body: "" },
      { body: "x", kind: "shout" },
      { body: "x".repeat(16_385) },
      { body: "x", extra: 1 },
    ])
      expect([JSON.stringify(bad).slice(0, 40), (await post(bad)).status]).toEqual([
        JSON.stringify(bad).slice(0, 40),
        400,
      ]);
    expect(await t.hub.runtime.prisma.message.count({ where: { agentId: { in: [agent.id, other.id] } } })).toBe(0);
  });

  it("read, read-all and the live count: inbox.<me>.changed reaches the owner only", async () => {
    const { post } = await agentWithToken("counter");
    await alice.request("/api/v1/inbox/read-all", { method: "POST" });
    const first = await json<MessageJson>(await post({ body: "one" }));
    await post({ body: "two", kind: "ask" });
    const unread = await json<{ items: InboxItem[]; unread: number }>(await alice.request("/api/v1/inbox?unread=true"));
    expect([unread.unread, unread.items.map((i) => i.body)]).toEqual([2, ["two", "one"]]);

    const changes = await openEventStream(`${t.url}/api/v1/events?sub=inbox.*.changed`, {
      authorization: `Bearer ${alice.token}`,
    });
    const bobsChanges = await openEventStream(`${t.url}/api/v1/events?sub=inbox.*.changed`, {
      authorization: `Bearer ${bob.token}`,
    });
    const read = await json<InboxItem>(await alice.request(`/api/v1/inbox/${first.id}/read`, { method: "POST" }));
    expect(read).toMatchObject({ id: first.id, body: "one", readAt: expect.any(String) });
    await changes.next((e) => e.event === "update");
    expect((await json<{ unread: number }>(await alice.request("/api/v1/inbox"))).unread).toBe(1);
    expect(await json(await alice.request("/api/v1/inbox/read-all", { method: "POST" }))).toEqual({ marked: 1 });
    expect((await json<{ unread: number }>(await alice.request("/api/v1/inbox?unread=true"))).unread).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(bobsChanges.events.filter((e) => e.event === "update")).toEqual([]);
    changes.close();
    bobsChanges.close();
  });

  it("an answer (replyTo) keeps the question's channel and thread, marks it read, and goes to the agent like any message", async () => {
    const { agent, post } = await agentWithToken("asker");
    const question = await json<MessageJson>(await post({ body: "Which branch?", kind: "ask", channel: "slack" }));
    const answer = await alice.request(`/api/v1/agents/${agent.id}/messages`, {
      method: "POST",
      json: { body: "Use main.", replyTo: question.id },
    });
    expect(answer.status).toBe(202); // the agent is not running: it waits for the start
    expect(await json(answer)).toMatchObject({
      direction: "to_agent",
      body: "Use main.",
      channel: "slack",
      threadId: question.id,
      replyToId: question.id,
      dispatchState: "pending",
    });
    const items = await json<{ items: InboxItem[] }>(await alice.request("/api/v1/inbox"));
    expect(items.items.find((i) => i.id === question.id)?.readAt).toEqual(expect.any(String));
    const thread = await json<{ items: MessageJson[] }>(
      await alice.request(`/api/v1/agents/${agent.id}/messages?order=asc`),
    );
    expect(thread.items.map((m) => [m.direction, m.kind, m.body])).toEqual([
      ["to_user", "ask", "Which branch?"],
      ["to_agent", null, "Use main."],
    ]);
    // Not a message of this agent's to people: 422, nothing written.
    const { post: otherPost } = await agentWithToken("someone-else");
    const foreign = await json<MessageJson>(await otherPost({ body: "mine" }));
    for (const replyTo of [foreign.id, thread.items[1]!.id, crypto.randomUUID()]) {
      const res = await alice.request(`/api/v1/agents/${agent.id}/messages`, {
        method: "POST",
        json: { body: "x", replyTo },
      });
      expect(res.status).toBe(422);
      expect((await json<{ error: { code: string } }>(res)).error.code).toBe("invalid_reference");
    }
    expect(await t.hub.runtime.prisma.message.count({ where: { agentId: agent.id } })).toBe(2);
  });

  it("the shim's own commands: scion-agent say and ask post with the agent's token file", async () => {
    const { agent, token } = await agentWithToken("shim-talker");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-say-"));
    try {
      const tokenFile = path.join(dir, "token");
      fs.writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
      const env = {
        PATH: process.env.PATH,
        SCION_HUB_URL: t.url,
        SCION_AGENT_ID: agent.id,
        SCION_AGENT_TOKEN_FILE: tokenFile,
      };
      // Asynchronously: the hub answers from this same process.
      const run = (args: string[], input?: string) =>
        new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "agent", "main.ts"), ...args], {
            cwd: ROOT,
            env: env as unknown as NodeJS.ProcessEnv,
          });
          let stdout = "";
          let stderr = "";
          child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
          child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
          child.stdin.end(input ?? "");
          child.on("close", (status) => resolve({ status, stdout, stderr }));
        });
      const said = await run(["say", "all", "done"]);
      expect(said.status, said.stderr).toBe(0);
      const asked = await run(["ask"], "Merge it?\n");
      expect(asked.status, asked.stderr).toBe(0);
      const ids = [said.stdout.trim(), asked.stdout.trim()];
      const rows = await t.hub.runtime.prisma.message.findMany({
        where: { id: { in: ids } },
        orderBy: { createdAt: "asc" },
      });
      expect(rows.map((m) => [m.kind, m.body, m.recipientId])).toEqual([
        ["say", "all done", `user:${alice.user.id}`],
        ["ask", "Merge it?", `user:${alice.user.id}`],
      ]);
      expect((await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: agent.id } })).activity).toBe(
        "waiting_for_input",
      );
      const empty = await run(["say"], "");
      expect(empty.status).toBe(2);
      expect(empty.stderr).toContain("the message is empty");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
