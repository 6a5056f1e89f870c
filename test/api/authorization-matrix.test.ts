import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { API_ROUTES } from "../../lib/api-spec/routes";
import { mintAgentToken } from "../../lib/auth/agent-token";
import { KEY_LABELS } from "../../lib/auth/derive-key";
import { sealWith } from "../../lib/brokers/secret-box";
import { encodeSessionCookie, SESSION_COOKIE } from "../../lib/auth/session-cookie";
import { registerBroker } from "../../lib/brokers/register-broker";
import { startDeviceAuth } from "../../lib/device-auth/device-auth";
import { createApiToken } from "../../lib/tokens/create-api-token";
import { openEventStream, type SseEvent } from "../sse-client";
import { startTestHub, type TestHub } from "../start-test-hub";

/**
 * Every route of the API (lib/api-spec/routes.ts) driven as every kind of caller, against fresh
 * fixtures per cell. "ok" means the request got past authorization and did not fail (any status
 * but 401, 403, 404 and 5xx); the other cells name the exact refusal. Owner-only resources answer
 * 404 to others, so a refusal never reveals that something exists; a member of the project that holds
 * the agents sees them read-only (a read is "ok", acting on them 403). The suspended person is tried
 * with a session cookie (from the hub's own origin) as well as with a token. The terminal
 * WebSocket and what the event stream delivers to each caller are covered below the routes.
 */
/**
 * owner: created the project and owns `agent`; otherMember: owns `foreign` in the same (hub-visible)
 * project, is no member of it; projectMember: a member (role member) of the project, owns nothing.
 */
const CALLERS = [
  "anonymous",
  "owner",
  "otherMember",
  "projectMember",
  "admin",
  "suspended",
  "ownAgent",
  "foreignAgent",
] as const;
type Caller = (typeof CALLERS)[number];
/** Every caller, plus the suspended person by session cookie, which must fare exactly as by token. */
const CELLS: Array<[Caller | "suspendedCookie", number]> = [
  ...CALLERS.map((c, i) => [c, i] as [Caller, number]),
  ["suspendedCookie", CALLERS.indexOf("suspended")],
];
type Expect = "ok" | 401 | 403 | 404;
type Row = [Expect, Expect, Expect, Expect, Expect, Expect, Expect, Expect];

const ALL_OK: Row = ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"];
const ANY_SIGNED_IN: Row = [401, "ok", "ok", "ok", "ok", 403, "ok", "ok"];
const PEOPLE: Row = [401, "ok", "ok", "ok", "ok", 403, 403, 403];
const ADMINS: Row = [401, 403, 403, 403, "ok", 403, 403, 403];
/** The project's managers: its creator (owner), manager members and admins. */
const PROJECT_MANAGERS: Row = [401, "ok", 403, 403, "ok", 403, 403, 403];
/** Reading an agent: its owner, admins, the agent itself, and its project's members. */
const AGENT_READERS: Row = [401, "ok", 404, "ok", "ok", 403, "ok", 404];
/** Looking at an agent's screen and logs: the people who see it (agents' own tokens are refused). */
const PEOPLE_WHO_SEE: Row = [401, "ok", 404, "ok", "ok", 403, 403, 403];
/** Acting on an agent: its owner and admins; a project member sees it, so is told 403. */
const OWNER_OR_ADMIN: Row = [401, "ok", 404, 403, "ok", 403, 403, 403];
const OWN_TOKEN_ONLY: Row = [401, 403, 403, 403, 403, 403, "ok", 403];
const OWN_TOKENS: Row = [401, "ok", 404, 404, 404, 403, 403, 403];
/** Removing the project member: managers, or the member leaving. */
const MANAGERS_OR_THE_MEMBER: Row = [401, "ok", 403, "ok", "ok", 403, 403, 403];

const MATRIX: Record<string, Row> = {
  "GET /api/v1/version": ALL_OK,
  "GET /api/v1/openapi.json": ALL_OK,
  "GET /api/v1/auth/providers": ALL_OK,
  "GET /api/v1/auth/me": ANY_SIGNED_IN,
  "POST /api/v1/auth/logout": ALL_OK,
  "POST /api/v1/auth/device": ALL_OK,
  // An unknown device code is 400 expired_token to anyone: the poll is public.
  "POST /api/v1/auth/device/token": ALL_OK,
  "POST /api/v1/auth/device/approve": PEOPLE,
  "GET /api/v1/tokens": PEOPLE,
  "POST /api/v1/tokens": PEOPLE,
  "DELETE /api/v1/tokens/{id}": OWN_TOKENS,
  "GET /api/v1/secrets": PEOPLE,
  "POST /api/v1/secrets": PEOPLE,
  "DELETE /api/v1/secrets/{id}": OWN_TOKENS,
  "GET /api/v1/templates": PEOPLE,
  "POST /api/v1/templates": PEOPLE,
  "GET /api/v1/templates/{id}": OWN_TOKENS,
  "PATCH /api/v1/templates/{id}": OWN_TOKENS,
  "DELETE /api/v1/templates/{id}": OWN_TOKENS,
  "POST /api/v1/templates/{id}/clone": OWN_TOKENS,
  "GET /api/v1/harness-configs": PEOPLE,
  "POST /api/v1/harness-configs": PEOPLE,
  "GET /api/v1/harness-configs/{id}": OWN_TOKENS,
  "PATCH /api/v1/harness-configs/{id}": OWN_TOKENS,
  "DELETE /api/v1/harness-configs/{id}": OWN_TOKENS,
  "POST /api/v1/harness-configs/{id}/clone": OWN_TOKENS,
  "GET /api/v1/users": ADMINS,
  "PATCH /api/v1/users/{id}": ADMINS,
  "GET /api/v1/projects": PEOPLE,
  "POST /api/v1/projects": PEOPLE,
  "GET /api/v1/projects/{id}": PEOPLE,
  "PATCH /api/v1/projects/{id}": PROJECT_MANAGERS,
  "DELETE /api/v1/projects/{id}": PROJECT_MANAGERS,
  "GET /api/v1/projects/{id}/members": PEOPLE,
  "POST /api/v1/projects/{id}/members": PROJECT_MANAGERS,
  "DELETE /api/v1/projects/{id}/members/{userId}": MANAGERS_OR_THE_MEMBER,
  "POST /api/v1/projects/{id}/broadcast": PROJECT_MANAGERS,
  "GET /api/v1/projects/{id}/agents": ANY_SIGNED_IN,
  "POST /api/v1/projects/{id}/agents": ANY_SIGNED_IN,
  "GET /api/v1/projects/{id}/agents/{agentId}": AGENT_READERS,
  "PATCH /api/v1/projects/{id}/agents/{agentId}": OWNER_OR_ADMIN,
  "DELETE /api/v1/projects/{id}/agents/{agentId}": OWNER_OR_ADMIN,
  "GET /api/v1/agents": ANY_SIGNED_IN,
  "POST /api/v1/agents": ANY_SIGNED_IN,
  "GET /api/v1/agents/{id}": AGENT_READERS,
  "PATCH /api/v1/agents/{id}": OWNER_OR_ADMIN,
  "DELETE /api/v1/agents/{id}": OWNER_OR_ADMIN,
  "POST /api/v1/agents/{id}/start": OWNER_OR_ADMIN,
  "POST /api/v1/agents/{id}/stop": OWNER_OR_ADMIN,
  "POST /api/v1/agents/{id}/restart": OWNER_OR_ADMIN,
  "POST /api/v1/agents/{id}/interrupt": OWNER_OR_ADMIN,
  "GET /api/v1/harnesses": PEOPLE,
  "POST /api/v1/agents/{id}/reset-auth": OWNER_OR_ADMIN,
  "GET /api/v1/agents/{id}/messages": AGENT_READERS,
  "GET /api/v1/agents/{id}/history": AGENT_READERS,
  "GET /api/v1/agents/{id}/git": AGENT_READERS,
  // People who may act on the agent type into it; the agent itself messages its owner.
  "POST /api/v1/agents/{id}/messages": [401, "ok", 404, 403, "ok", 403, "ok", 403],
  "GET /api/v1/inbox": PEOPLE,
  // Someone else's inbox message (and an agent's token) never reads it: 404 to people, 403 to agents.
  "POST /api/v1/inbox/{id}/read": OWN_TOKENS,
  "POST /api/v1/inbox/read-all": PEOPLE,
  "GET /api/v1/notification-channels": PEOPLE,
  "POST /api/v1/notification-channels": PEOPLE,
  "DELETE /api/v1/notification-channels/{id}": OWN_TOKENS,
  "POST /api/v1/notification-channels/{id}/test": OWN_TOKENS,
  "GET /api/v1/subscriptions": PEOPLE,
  "GET /api/v1/schedules": PEOPLE,
  // Scheduling needs the right to act on the agent.
  "POST /api/v1/schedules": [401, "ok", 404, 403, "ok", 403, 403, 403],
  // The owner's schedule: theirs and admins' only.
  "PATCH /api/v1/schedules/{id}": [401, "ok", 404, 404, "ok", 403, 403, 403],
  "DELETE /api/v1/schedules/{id}": [401, "ok", 404, 404, "ok", 403, 403, 403],
  "GET /api/v1/schedules/{id}/runs": [401, "ok", 404, 404, "ok", 403, 403, 403],
  "PUT /api/v1/subscriptions": PEOPLE,
  // The agent here has no broker: past authorization, a look answers 409. Issue 12's members see them too ("see").
  // Members of its project see an agent read-only: its screen and logs too.
  "GET /api/v1/agents/{id}/screen": PEOPLE_WHO_SEE,
  "GET /api/v1/agents/{id}/logs": PEOPLE_WHO_SEE,
  // Anyone signed in may ask; the results say which agents were not theirs (test/api/look-and-bulk.test.ts).
  "POST /api/v1/agents/bulk": PEOPLE,
  "POST /api/v1/admin/agents/reset-auth-all": ADMINS,
  "GET /api/v1/admin/maintenance/operations": ADMINS,
  "POST /api/v1/admin/maintenance/operations/{key}/run": ADMINS,
  "GET /api/v1/admin/maintenance/runs": ADMINS,
  "GET /api/v1/admin/maintenance/runs/{id}": ADMINS,
  "POST /api/v1/admin/maintenance/runs/{id}/abort": ADMINS,
  "POST /api/v1/agents/{id}/status": OWN_TOKEN_ONLY,
  "POST /api/v1/agents/{id}/token/refresh": OWN_TOKEN_ONLY,
  "GET /api/v1/runtime-brokers": PEOPLE,
  "POST /api/v1/runtime-brokers": ADMINS,
  "POST /api/v1/runtime-brokers/join": ALL_OK,
  "GET /api/v1/runtime-brokers/{id}": PEOPLE,
  "DELETE /api/v1/runtime-brokers/{id}": ADMINS,
  "GET /api/v1/events": ANY_SIGNED_IN,
};

let t: TestHub;
let seq = 0;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.close();
});

/** Fresh people, project, agents and tokens for one cell, created straight through lib/ and Prisma. */
async function fixtures() {
  const { prisma, sessionSecret } = t.hub.runtime;
  const n = ++seq;
  const user = async (role: "admin" | "member", status: "active" | "suspended" = "active") => {
    const u = await prisma.user.create({
      data: { email: `m${n}-${role}-${status}-${Math.random().toString(36).slice(2)}@example.com`, role },
    });
    const { token, id } = await createApiToken(prisma, sessionSecret, u.id, { name: "matrix", expiresInDays: 1 });
    if (status === "suspended") await prisma.user.update({ where: { id: u.id }, data: { status } });
    const cookie = `${SESSION_COOKIE}=${await encodeSessionCookie(sessionSecret, u)}`;
    return { id: u.id, token, tokenId: id, cookie };
  };
  const [owner, otherMember, projectMember, admin, suspended, target] = await Promise.all([
    user("member"),
    user("member"),
    user("member"),
    user("admin"),
    user("member", "suspended"),
    user("member"),
  ]);
  const project = await prisma.project.create({
    data: { slug: `matrix-${n}`, name: `matrix ${n}`, createdById: owner.id },
  });
  await prisma.projectMember.create({
    data: { projectId: project.id, userId: projectMember.id, role: "member", addedBy: `user:${owner.id}` },
  });
  const agent = await prisma.agent.create({
    data: {
      slug: "own",
      name: "own",
      projectId: project.id,
      createdBy: `user:${owner.id}`,
      ownerId: `user:${owner.id}`,
    },
  });
  const foreign = await prisma.agent.create({
    data: {
      slug: "foreign",
      name: "foreign",
      projectId: project.id,
      createdBy: `user:${otherMember.id}`,
      ownerId: `user:${otherMember.id}`,
    },
  });
  const { joinToken, broker } = await registerBroker(
    prisma,
    { id: admin.id, email: "", name: null, role: "admin", status: "active" },
    `matrix broker ${n}`,
  );
  const tokens: Record<Caller, string | undefined> = {
    anonymous: undefined,
    owner: owner.token,
    otherMember: otherMember.token,
    projectMember: projectMember.token,
    admin: admin.token,
    suspended: suspended.token,
    ownAgent: (await mintAgentToken(sessionSecret, agent)).token,
    foreignAgent: (await mintAgentToken(sessionSecret, foreign)).token,
  };
  await prisma.maintenanceOperation.upsert({
    where: { key: "purge-messages" },
    create: { key: "purge-messages", title: "Purge", description: "d" },
    update: {},
  });
  // A message the owner's agent sent the owner: in the owner's inbox only.
  const inboxMessage = await prisma.message.create({
    data: {
      agentId: agent.id,
      sender: `agent:${agent.id}`,
      direction: "to_user",
      kind: "say",
      recipientId: `user:${owner.id}`,
      body: "for the owner",
      dispatchState: "dispatched",
    },
  });
  // The owner's email channel (testing it needs no network: this hub has no SMTP server).
  const channel = await prisma.notificationChannel.create({
    data: { userId: owner.id, name: "mail", type: "email", address: "owner@example.com" },
  });
  const schedule = await prisma.schedule.create({
    data: {
      name: "nightly",
      agentId: agent.id,
      ownerId: `user:${owner.id}`,
      action: "stop",
      cron: "0 3 * * *",
      nextRunAt: new Date(Date.now() + 86_400_000),
    },
  });
  const secret = await prisma.secret.create({
    data: {
      name: "OWN_KEY",
      scope: "user",
      userId: owner.id,
      valueSealed: sealWith(sessionSecret, KEY_LABELS.secretStore, "cell value"),
      createdBy: `user:${owner.id}`,
    },
  });
  // The owner's personal template and harness config: nobody else sees them, not even an admin.
  const harnessConfig = await prisma.harnessConfig.create({
    data: {
      slug: "own-config",
      name: "own config",
      scope: "user",
      userId: owner.id,
      harness: "claude",
      createdBy: `user:${owner.id}`,
    },
  });
  const template = await prisma.template.create({
    data: {
      slug: "own-template",
      name: "own template",
      scope: "user",
      userId: owner.id,
      harness: "shell",
      createdBy: `user:${owner.id}`,
    },
  });
  const device = await startDeviceAuth(prisma, t.url, { clientName: "matrix" });
  const run = await prisma.maintenanceRun.create({
    data: { operationKey: "purge-messages", status: "completed", completedAt: new Date() },
  });
  /** What a caller sends: its token, or for the suspended person by cookie, the cookie and the hub's own Origin. */
  const credentials = (caller: Caller | "suspendedCookie"): Record<string, string> =>
    caller === "suspendedCookie"
      ? { cookie: suspended.cookie, origin: t.url }
      : tokens[caller]
        ? { authorization: `Bearer ${tokens[caller]}` }
        : {};
  return {
    n,
    owner,
    otherMember,
    projectMember,
    target,
    project,
    agent,
    foreign,
    tokens,
    credentials,
    joinToken,
    brokerId: broker.id,
    runId: run.id,
    secretId: secret.id,
    inboxId: inboxMessage.id,
    channelId: channel.id,
    scheduleId: schedule.id,
    templateId: template.id,
    harnessConfigId: harnessConfig.id,
    userCode: device.userCode,
  };
}

/** Past authorization and not a failure: anything but 401, 403, 404 and a 5xx. */
const passes = (expected: Expect, status: number) =>
  expected === "ok" ? ![401, 403, 404].includes(status) && status < 500 : status === expected;

function requestFor(
  method: string,
  path: string,
  f: Awaited<ReturnType<typeof fixtures>>,
): { url: string; body?: unknown } {
  const ids: Array<[string, string]> = [
    ["/api/v1/tokens/", f.owner.tokenId],
    ["/api/v1/secrets/", f.secretId],
    ["/api/v1/inbox/", f.inboxId],
    ["/api/v1/notification-channels/", f.channelId],
    ["/api/v1/schedules/", f.scheduleId],
    ["/api/v1/templates/", f.templateId],
    ["/api/v1/harness-configs/", f.harnessConfigId],
    ["/api/v1/users/", f.target.id],
    ["/api/v1/projects/", f.project.id],
    ["/api/v1/runtime-brokers/", f.brokerId],
    ["/api/v1/admin/maintenance/runs/", f.runId],
  ];
  const id = ids.find(([prefix]) => path.startsWith(prefix))?.[1] ?? f.agent.id;
  const url = path
    .replace("{id}", id)
    .replace("{agentId}", f.agent.id)
    .replace("{userId}", f.projectMember.id)
    .replace("{key}", "purge-messages");
  const bodies: Record<string, unknown> = {
    "POST /api/v1/tokens": { name: "cell" },
    "POST /api/v1/notification-channels": { name: `cell ${f.n}`, type: "webhook", url: "https://93.184.216.34/hook" },
    "PUT /api/v1/subscriptions": { items: [] },
    "POST /api/v1/schedules": { name: "cell", agentId: f.agent.id, action: "stop", cron: "0 4 * * *" },
    "PATCH /api/v1/schedules/{id}": { paused: true },
    "POST /api/v1/auth/device": { clientName: "cell" },
    "POST /api/v1/auth/device/token": { deviceCode: "not-a-device-code" },
    "POST /api/v1/auth/device/approve": { userCode: f.userCode },
    "POST /api/v1/secrets": { name: "CELL_KEY", value: "cell", scope: "user" },
    "PATCH /api/v1/users/{id}": { role: "admin" },
    "POST /api/v1/templates": { name: `cell template ${f.n}`, scope: "user", harness: "shell" },
    "PATCH /api/v1/templates/{id}": { description: "changed" },
    "POST /api/v1/templates/{id}/clone": { name: `cell clone ${f.n}` },
    "POST /api/v1/harness-configs": { name: `cell config ${f.n}`, scope: "user", harness: "claude" },
    "PATCH /api/v1/harness-configs/{id}": { description: "changed" },
    "POST /api/v1/harness-configs/{id}/clone": { name: `cell clone ${f.n}` },
    "POST /api/v1/projects": { name: `cell project ${f.n}` },
    "PATCH /api/v1/projects/{id}": { name: "renamed" },
    "POST /api/v1/projects/{id}/members": { userId: f.target.id },
    "POST /api/v1/projects/{id}/broadcast": { body: "hello all" },
    "POST /api/v1/projects/{id}/agents": { name: `cell-${f.n}` },
    "PATCH /api/v1/projects/{id}/agents/{agentId}": { task: "t" },
    "POST /api/v1/agents": { projectId: f.project.id, name: `cell-${f.n}` },
    "PATCH /api/v1/agents/{id}": { task: "t" },
    "POST /api/v1/agents/{id}/messages": { body: "hello" },
    "POST /api/v1/agents/bulk": { action: "stop", ids: [f.agent.id] },
    "POST /api/v1/agents/{id}/status": { heartbeat: true },
    "POST /api/v1/runtime-brokers": { name: `cell broker ${f.n}` },
    "POST /api/v1/runtime-brokers/join": { joinToken: f.joinToken, hostname: "cell-host" },
    "POST /api/v1/admin/maintenance/operations/{key}/run": { params: { olderThanDays: 365 } },
  };
  return { url, body: bodies[`${method} ${path}`] };
}

describe("authorization matrix", () => {
  it("covers every route of the API", () => {
    expect(Object.keys(MATRIX).sort()).toEqual(API_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  for (const route of API_ROUTES) {
    const key = `${route.method} ${route.path}`;
    it(`${key} - ${CALLERS.map((c, i) => `${c}:${MATRIX[key]?.[i]}`).join(" ")}`, async () => {
      const outcomes: Array<[string, Expect, number]> = [];
      for (const [caller, i] of CELLS) {
        const f = await fixtures();
        const { url, body } = requestFor(route.method, route.path, f);
        const headers = f.credentials(caller);
        if (body !== undefined) headers["content-type"] = "application/json";
        const controller = new AbortController();
        const res = await fetch(`${t.url}${url}`, {
          method: route.method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: controller.signal,
        });
        controller.abort(); // the event stream never ends by itself
        // The agent's own machine routes read only the Authorization header: a cookie is no credential there.
        const expected = caller === "suspendedCookie" && MATRIX[key] === OWN_TOKEN_ONLY ? 401 : MATRIX[key]![i]!;
        outcomes.push([caller, expected, res.status]);
      }
      const mismatches = outcomes.filter(([, expected, status]) => !passes(expected, status));
      expect(mismatches, JSON.stringify(outcomes)).toEqual([]);
    });
  }

  // The agent is not running here, so an authorized upgrade answers 409: past authorization.
  const TERMINAL: Row = [401, "ok", 404, 403, "ok", 403, 403, 403];
  it(`GET /api/v1/agents/{id}/pty (WebSocket) - ${CALLERS.map((c, i) => `${c}:${TERMINAL[i]}`).join(" ")}`, async () => {
    const outcomes: Array<[string, Expect, number]> = [];
    for (const [caller, i] of CELLS) {
      const f = await fixtures();
      outcomes.push([
        caller,
        TERMINAL[i]!,
        await upgradeStatus(`/api/v1/agents/${f.agent.id}/pty`, f.credentials(caller)),
      ]);
    }
    expect(
      outcomes.filter(([, expected, status]) => !passes(expected, status)),
      JSON.stringify(outcomes),
    ).toEqual([]);
    expect(outcomes.find(([caller]) => caller === "owner")?.[2]).toBe(409);
  });

  it("GET /api/v1/events - each caller receives exactly the subjects it may read; suspended and anonymous callers get no stream", async () => {
    const f = await fixtures();
    const own = `agent.${f.agent.id}.status`;
    const foreign = `agent.${f.foreign.id}.status`;
    const broker = `broker.${f.brokerId}.status`;
    // A bulk action's progress is for the person who started it alone (not even for admins).
    const bulk = `bulk.${crypto.randomUUID()}.progress`;
    // What each caller must receive of the three events below, or the status its stream is refused with.
    const expected: Record<(typeof CELLS)[number][0], string[] | 401 | 403> = {
      anonymous: 401,
      // The owner created the project: they see every agent in it, as its members do.
      owner: [own, foreign, broker, bulk],
      otherMember: [foreign, broker],
      projectMember: [own, foreign, broker],
      admin: [own, foreign, broker],
      suspended: 403,
      suspendedCookie: 403,
      ownAgent: [own],
      foreignAgent: [foreign],
    };
    const streams = await Promise.all(
      CELLS.map(
        async ([caller]) => [caller, await openEventStream(`${t.url}/api/v1/events`, f.credentials(caller))] as const,
      ),
    );
    try {
      for (const [caller, stream] of streams) {
        const want = expected[caller];
        expect([caller, stream.res.status]).toEqual([caller, typeof want === "number" ? want : 200]);
      }
      const { events } = t.hub.runtime;
      await events.publish({
        subject: own,
        data: { id: f.agent.id, ownerId: `user:${f.owner.id}`, projectId: f.project.id },
      });
      await events.publish({
        subject: foreign,
        data: { id: f.foreign.id, ownerId: `user:${f.otherMember.id}`, projectId: f.project.id },
      });
      await events.publish({ subject: broker, data: { id: f.brokerId } });
      await events.publish({ subject: bulk, data: { principalId: `user:${f.owner.id}`, done: 0 } });
      // Markers published last: once a stream has its marker, everything before it has arrived.
      await events.publish({ subject: `broker.${f.brokerId}.status`, data: { id: f.brokerId, marker: true } });
      await events.publish({
        subject: own,
        data: { id: f.agent.id, ownerId: `user:${f.owner.id}`, projectId: f.project.id, marker: true },
      });
      await events.publish({
        subject: foreign,
        data: { id: f.foreign.id, ownerId: `user:${f.otherMember.id}`, projectId: f.project.id, marker: true },
      });
      const isMarker = (e: SseEvent) => (e.data as { data?: { marker?: boolean } }).data?.marker === true;
      for (const [caller, stream] of streams) {
        const want = expected[caller];
        if (typeof want === "number") continue;
        await stream.next(
          (e) =>
            isMarker(e) &&
            (e.data as { subject: string }).subject ===
              (caller === "ownAgent" ? own : caller === "foreignAgent" ? foreign : broker),
        );
        const got = stream.events
          .filter((e) => e.event === "update" && !isMarker(e))
          .map((e) => (e.data as { subject: string }).subject);
        expect([caller, got.filter((s) => [own, foreign, broker, bulk].includes(s)).sort()]).toEqual([
          caller,
          [...want].sort(),
        ]);
      }
    } finally {
      for (const [, stream] of streams) stream.close();
    }
  });
});

/** The HTTP status an upgrade gets: 101 when it opens (closed at once), else the refusal's. */
function upgradeStatus(pathname: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${t.url.replace("http", "ws")}${pathname}`, { headers });
    ws.once("open", () => {
      ws.close();
      resolve(101);
    });
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.once("error", reject);
  });
}
