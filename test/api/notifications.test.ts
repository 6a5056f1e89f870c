import http from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentJson } from "../../lib/agents/schemas";
import { mintAgentToken } from "../../lib/auth/agent-token";
import { signWebhook } from "../../lib/notifications/send";
import { processNotificationEvents, drainDeliveries } from "../../lib/notifications/notifier";
import { openEventStream } from "../sse-client";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { until } from "../until";

/**
 * Notifications (issue 14) against real receivers: a webhook receiver (node http on loopback, so
 * the hub runs with SCION_ALLOW_PRIVATE_WEBHOOKS=true) and an SMTP server (smtp-server). An ask
 * gives exactly one webhook (HMAC-signed) and one email; subscriptions decide who hears what;
 * a failing webhook backs off and is then disabled with the reason; a delivery abandoned by a dead
 * replica is sent again with the same idempotency key, and one sent is never sent again.
 */
interface Hook {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}
const hooks: Hook[] = [];
const mails: Array<{ to: string[]; raw: string }> = [];
let receiver: http.Server;
let hookBase: string;
let smtp: SMTPServer;
let t: TestHub;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let projectId: string;

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      hooks.push({ path: req.url ?? "", headers: req.headers, body, at: Date.now() });
      res.writeHead(req.url?.startsWith("/fail") ? 500 : 200).end("ok");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  hookBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      let raw = "";
      stream.on("data", (d: Buffer) => (raw += d.toString()));
      stream.on("end", () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", () => r()));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  t = await startTestHub({
    SCION_ALLOW_PRIVATE_WEBHOOKS: "true",
    SCION_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    SCION_SMTP_FROM: "Scion <scion@hub.test>",
    SCION_NOTIFY_RETRY_BASE_MS: "50",
  });
  [alice, bob, carol] = await Promise.all([t.createUser(), t.createUser(), t.createUser()]);
  projectId = (
    await json<{ id: string }>(await alice.request("/api/v1/projects", { method: "POST", json: { name: "notify" } }))
  ).id;
  expect(
    (await alice.request(`/api/v1/projects/${projectId}/members`, { method: "POST", json: { userId: bob.user.id } }))
      .status,
  ).toBe(201);
}, 120_000);

afterAll(async () => {
  await t?.close();
  receiver?.close();
  await new Promise((r) => smtp?.close(() => r(undefined)));
});

async function agentOf(user: TestUser, name: string) {
  const res = await user.request("/api/v1/agents", { method: "POST", json: { projectId, name } });
  expect(res.status).toBe(201);
  const agent = await json<AgentJson>(res);
  const row = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: agent.id } });
  const { token } = await mintAgentToken(t.hub.runtime.sessionSecret, row);
  const post = async (body: string, kind: "say" | "ask" = "say") => {
    const r = await fetch(`${t.url}/api/v1/agents/${agent.id}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ body, kind }),
    });
    expect(r.status).toBe(201);
    return json<{ id: string }>(r);
  };
  return { agent, post };
}

async function channel(user: TestUser, body: Record<string, unknown>) {
  const res = await user.request("/api/v1/notification-channels", { method: "POST", json: body });
  expect(res.status, await res.clone().text()).toBe(201);
  return json<{ id: string; secret?: string; enabled: boolean }>(res);
}

const hooksAt = (path: string) => hooks.filter((h) => h.path === path);
const settle = () => new Promise((r) => setTimeout(r, 2500));

describe("notifications", () => {
  it("an ask gives exactly one signed webhook, one email and an inbox entry", async () => {
    const hook = await channel(alice, { name: "hook", type: "webhook", url: `${hookBase}/alice` });
    expect(hook.secret).toMatch(/^whsec_/);
    await channel(alice, { name: "mail", type: "email", address: "alice@example.com" });
    const listed = await json<{ items: Array<Record<string, unknown>> }>(
      await alice.request("/api/v1/notification-channels"),
    );
    expect(listed.items.map((c) => [c.name, c.type, c.enabled])).toEqual([
      ["hook", "webhook", true],
      ["mail", "email", true],
    ]);
    expect(JSON.stringify(listed)).not.toContain("whsec_");

    const { agent, post } = await agentOf(alice, "asker");
    const question = await post("Ship it?", "ask");
    await until(() => hooksAt("/alice").length >= 1 && mails.length >= 1, "the webhook and the email", 20_000);
    await settle();
    expect(hooksAt("/alice")).toHaveLength(1);
    expect(mails.filter((m) => m.to.includes("alice@example.com"))).toHaveLength(1);

    const [delivered] = hooksAt("/alice");
    const payload = JSON.parse(delivered!.body) as Record<string, unknown>;
    expect(payload).toMatchObject({
      kind: "waiting_for_input",
      summary: "asker asks: Ship it?",
      text: expect.stringContaining("asker asks: Ship it?"),
      agent: { id: agent.id, name: "asker" },
      message: { id: question.id, kind: "ask", body: "Ship it?" },
    });
    const timestamp = String(delivered!.headers["x-scion-timestamp"]);
    expect(delivered!.headers["x-scion-signature"]).toBe(signWebhook(hook.secret!, timestamp, delivered!.body));
    expect(delivered!.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}:[0-9a-f-]{36}$/);
    expect(mails.at(-1)!.raw).toContain("Subject: asker asks: Ship it?");
    const inbox = await json<{ items: Array<{ id: string }> }>(await alice.request("/api/v1/inbox"));
    expect(inbox.items.map((i) => i.id)).toContain(question.id);
  });

  it("subscriptions decide who hears what; people who cannot see the agent never do", async () => {
    await channel(bob, { name: "hook", type: "webhook", url: `${hookBase}/bob` });
    await channel(carol, { name: "hook", type: "webhook", url: `${hookBase}/carol` });
    const { post } = await agentOf(alice, "sayer");
    // Bob has the default (his own agents): alice's agent is not his.
    expect(await json(await bob.request("/api/v1/subscriptions"))).toEqual({
      items: [{ scope: "mine", targetId: null, events: ["waiting_for_input", "error", "message"] }],
      saved: false,
    });
    await post("first");
    await settle();
    expect(hooksAt("/bob")).toHaveLength(0);

    // Bob (a member) and carol (not one) subscribe to the project's messages; alice to nothing.
    for (const user of [bob, carol]) {
      const res = await user.request("/api/v1/subscriptions", {
        method: "PUT",
        json: { items: [{ scope: "project", targetId: projectId, events: ["message"] }] },
      });
      expect(res.status).toBe(200);
    }
    expect((await alice.request("/api/v1/subscriptions", { method: "PUT", json: { items: [] } })).status).toBe(200);
    const aliceBefore = hooksAt("/alice").length;
    await post("second");
    await until(() => hooksAt("/bob").length >= 1, "bob's webhook", 20_000);
    await settle();
    expect(hooksAt("/bob").map((h) => (JSON.parse(h.body) as { summary: string }).summary)).toEqual(["sayer: second"]);
    expect(hooksAt("/carol")).toHaveLength(0);
    expect(hooksAt("/alice")).toHaveLength(aliceBefore);

    // Bad subscriptions are refused whole.
    for (const items of [
      [{ scope: "mine", targetId: projectId, events: ["message"] }],
      [{ scope: "project", events: ["message"] }],
      [{ scope: "agent", targetId: crypto.randomUUID(), events: ["message"] }],
      [{ scope: "mine", events: ["lunch"] }],
    ]) {
      const res = await bob.request("/api/v1/subscriptions", { method: "PUT", json: { items } });
      expect([JSON.stringify(items), res.status]).toEqual([
        JSON.stringify(items),
        items[0]!.scope === "agent" ? 404 : 400,
      ]);
    }
    expect(
      (await json<{ saved: boolean; items: unknown[] }>(await bob.request("/api/v1/subscriptions"))).items,
    ).toHaveLength(1);
  });

  it("a failing webhook backs off between attempts, then is disabled with the reason", async () => {
    const failing = await channel(carol, { name: "flaky", type: "webhook", url: `${hookBase}/fail-carol` });
    expect(
      (
        await carol.request("/api/v1/subscriptions", {
          method: "PUT",
          json: { items: [{ scope: "mine", events: ["message"] }] },
        })
      ).status,
    ).toBe(200);
    const { post } = await agentOf(carol, "noisy");
    await post("one");
    await until(() => hooksAt("/fail-carol").length >= 3, "three attempts", 20_000);
    const [a, b, c] = hooksAt("/fail-carol").map((h) => h.at);
    // 50 ms after the first failure, then 300 ms (6 x) after the second.
    expect(b! - a!).toBeGreaterThanOrEqual(45);
    expect(c! - b!).toBeGreaterThanOrEqual(290);
    await until(
      async () =>
        !(await t.hub.runtime.prisma.notificationChannel.findUniqueOrThrow({ where: { id: failing.id } })).enabled,
      "the channel to be disabled",
      30_000,
    );
    const shown = await json<{ items: Array<Record<string, unknown>> }>(
      await carol.request("/api/v1/notification-channels"),
    );
    expect(shown.items.find((ch) => ch.id === failing.id)).toMatchObject({
      enabled: false,
      consecutiveFailures: 5,
      disabledReason: "Disabled after 5 failed deliveries in a row; the last: the receiver answered HTTP 500",
    });
    const attempts = hooksAt("/fail-carol").length;
    await post("two");
    await settle();
    expect(hooksAt("/fail-carol")).toHaveLength(attempts);
  });

  it("the test button: a test notification now, and how it went", async () => {
    const good = await channel(bob, { name: "tested", type: "webhook", url: `${hookBase}/test-ok` });
    const bad = await channel(bob, { name: "broken", type: "webhook", url: `${hookBase}/fail-test` });
    expect(await json(await bob.request(`/api/v1/notification-channels/${good.id}/test`, { method: "POST" }))).toEqual({
      ok: true,
      status: 200,
    });
    expect(JSON.parse(hooksAt("/test-ok")[0]!.body)).toMatchObject({ kind: "test" });
    expect(await json(await bob.request(`/api/v1/notification-channels/${bad.id}/test`, { method: "POST" }))).toEqual({
      ok: false,
      status: 500,
      error: "the receiver answered HTTP 500",
    });
    expect((await alice.request(`/api/v1/notification-channels/${good.id}/test`, { method: "POST" })).status).toBe(404);
    expect((await alice.request(`/api/v1/notification-channels/${good.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await bob.request(`/api/v1/notification-channels/${bad.id}`, { method: "DELETE" })).status).toBe(204);
    for (const body of [
      { name: "x", type: "webhook", url: "ftp://example.com/x" },
      { name: "x", type: "webhook" },
      { name: "x", type: "email", address: "not-an-address" },
      { name: "x", type: "sms", url: "https://93.184.216.34/" },
    ])
      expect((await bob.request("/api/v1/notification-channels", { method: "POST", json: body })).status).toBe(400);
    expect(
      (
        await bob.request("/api/v1/notification-channels", {
          method: "POST",
          json: { name: "tested", type: "webhook", url: `${hookBase}/x` },
        })
      ).status,
    ).toBe(409);
  });

  it("a delivery a dead replica left mid-send is sent again with its idempotency key; a sent one never again", async () => {
    const { prisma } = t.hub.runtime;
    const hook = await channel(alice, { name: "replayed", type: "webhook", url: `${hookBase}/replay` });
    const event = await prisma.notificationEvent.create({
      data: {
        kind: "completed",
        agentId: crypto.randomUUID(),
        agentName: "ghost",
        projectId,
        ownerId: `user:${alice.user.id}`,
        summary: "ghost completed its task",
        processedAt: new Date(),
      },
    });
    // Claimed two minutes ago by a replica that is gone, and one that was sent.
    await prisma.notificationDelivery.create({
      data: {
        eventId: event.id,
        channelId: hook.id,
        userId: alice.user.id,
        idempotencyKey: `${event.id}:${hook.id}`,
        state: "sending",
        attempts: 1,
        claimedBy: "dead-replica",
        claimedAt: new Date(Date.now() - 120_000),
      },
    });
    const sentEvent = await prisma.notificationEvent.create({
      data: {
        kind: "completed",
        agentId: crypto.randomUUID(),
        agentName: "done",
        projectId,
        ownerId: `user:${alice.user.id}`,
        summary: "done",
        processedAt: new Date(),
      },
    });
    await prisma.notificationDelivery.create({
      data: {
        eventId: sentEvent.id,
        channelId: hook.id,
        userId: alice.user.id,
        idempotencyKey: `${sentEvent.id}:${hook.id}`,
        state: "sent",
        attempts: 1,
        sentAt: new Date(),
      },
    });
    await until(() => hooksAt("/replay").length >= 1, "the abandoned delivery", 20_000);
    await drainDeliveries(t.hub.runtime);
    await processNotificationEvents(t.hub.runtime);
    await settle();
    expect(hooksAt("/replay").map((h) => h.headers["idempotency-key"])).toEqual([`${event.id}:${hook.id}`]);
    expect(
      (await prisma.notificationDelivery.findUniqueOrThrow({ where: { idempotencyKey: `${event.id}:${hook.id}` } }))
        .state,
    ).toBe("sent");
  });

  it("the dashboard hears of it too: notification.<me>.created for the person only", async () => {
    const { agent, post } = await agentOf(bob, "in-app");
    const mine = await openEventStream(`${t.url}/api/v1/events?sub=notification.*.created`, {
      authorization: `Bearer ${bob.token}`,
    });
    const others = await openEventStream(`${t.url}/api/v1/events?sub=notification.*.created`, {
      authorization: `Bearer ${alice.token}`,
    });
    await bob.request("/api/v1/subscriptions", {
      method: "PUT",
      json: { items: [{ scope: "mine", events: ["message"] }] },
    });
    await post("hello bob");
    const got = await mine.next(
      (e) => e.event === "update" && (e.data as { data: { agentId: string } }).data.agentId === agent.id,
    );
    expect((got.data as { data: Record<string, unknown> }).data).toMatchObject({
      kind: "message",
      summary: "in-app: hello bob",
      agentName: "in-app",
    });
    await settle();
    expect(others.events.filter((e) => e.event === "update" && JSON.stringify(e.data).includes(agent.id))).toEqual([]);
    mine.close();
    others.close();
  });

  it("latency from an agent's ask to the webhook and to the tray's event, over 100 asks", async () => {
    const { prisma } = t.hub.runtime;
    const hook = await channel(bob, { name: "timed", type: "webhook", url: `${hookBase}/timed` });
    await bob.request("/api/v1/subscriptions", {
      method: "PUT",
      json: { items: [{ scope: "mine", events: ["waiting_for_input"] }] },
    });
    const { agent, post } = await agentOf(bob, "timed-asker");
    const stream = await openEventStream(`${t.url}/api/v1/events?sub=message.${agent.id}.created`, {
      authorization: `Bearer ${bob.token}`,
    });
    const toWebhook: number[] = [];
    const toTray: number[] = [];
    for (let i = 0; i < 100; i++) {
      const started = Date.now();
      const asked = await post(`question ${i}?`, "ask");
      await stream.next((e) => e.event === "update" && (e.data as { data: { id: string } }).data.id === asked.id);
      toTray.push(Date.now() - started);
      const hit = await until(
        () =>
          hooksAt("/timed").find((h) => (JSON.parse(h.body) as { message?: { id: string } }).message?.id === asked.id),
        `the webhook of ask ${i}`,
        20_000,
        5,
      );
      toWebhook.push(hit.at - started);
    }
    stream.close();
    const pct = (xs: number[], p: number) =>
      [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
    console.log(
      `notification latency: ask → webhook p50 ${pct(toWebhook, 0.5)} ms, p99 ${pct(toWebhook, 0.99)} ms; ask → tray event p50 ${pct(toTray, 0.5)} ms, p99 ${pct(toTray, 0.99)} ms (100 asks)`,
    );
    expect(hooksAt("/timed")).toHaveLength(100);
    // The receiver's answer comes before the deliverer records it: every one is recorded sent, soon.
    await until(
      async () => (await prisma.notificationDelivery.count({ where: { channelId: hook.id, state: "sent" } })) === 100,
      "all 100 deliveries recorded as sent",
      20_000,
    );
  }, 180_000);
});
