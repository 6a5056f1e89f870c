import type { IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticateBrokerRequest } from "../../lib/brokers/authenticate-broker-request";
import { signBrokerRequest } from "../../lib/brokers/hmac";
import { openSecret } from "../../lib/brokers/secret-box";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";

let t: TestHub;
let admin: TestUser;
let member: TestUser;

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;
const join = (joinToken: string, hostname = "worker-1") =>
  fetch(`${t.url}/api/v1/runtime-brokers/join`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ joinToken, hostname, capabilities: { runtimes: ["local"], harnesses: ["shell"] } }),
  });

beforeAll(async () => {
  t = await startTestHub();
  [admin, member] = await Promise.all([t.createUser({ role: "admin" }), t.createUser()]);
});
afterAll(async () => {
  await t.close();
});

async function registered(name: string) {
  const res = await admin.request("/api/v1/runtime-brokers", { method: "POST", json: { name } });
  expect(res.status).toBe(201);
  return json<{ broker: { id: string; status: string }; joinToken: string; expiresAt: string }>(res);
}

describe("runtime brokers", () => {
  it("an admin registers a broker and gets a one-hour, one-time join token", async () => {
    const reg = await registered("Build Box");
    expect(reg.broker).toMatchObject({
      name: "Build Box",
      slug: "build-box",
      status: "pending",
      agentCount: 0,
      portRange: "8000-9000",
      portsPerAgent: 2,
    });
    expect(reg.joinToken).toMatch(/^scion_join_[A-Za-z0-9_-]{43}$/);
    const minutes = (new Date(reg.expiresAt).getTime() - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(59);
    expect(minutes).toBeLessThanOrEqual(60);
    expect((await member.request("/api/v1/runtime-brokers", { method: "POST", json: { name: "mine" } })).status).toBe(
      403,
    );
    expect(
      (await admin.request("/api/v1/runtime-brokers", { method: "POST", json: { name: "build box" } })).status,
    ).toBe(409);
  });

  it("joining redeems the token once for a secret that is stored sealed", async () => {
    const reg = await registered("joiner");
    const res = await join(reg.joinToken);
    expect(res.status).toBe(200);
    const { brokerId, secret } = await json<{ brokerId: string; secret: string }>(res);
    expect(brokerId).toBe(reg.broker.id);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await t.hub.runtime.prisma.brokerSecret.findFirstOrThrow({ where: { brokerId, status: "active" } });
    expect(row.secret).not.toContain(secret);
    expect(openSecret(t.hub.runtime.sessionSecret, row.secret)).toBe(secret);
    const broker = await json<{ status: string; hostname: string; capabilities: unknown }>(
      await member.request(`/api/v1/runtime-brokers/${brokerId}`),
    );
    expect(broker).toMatchObject({
      status: "offline",
      hostname: "worker-1",
      capabilities: { runtimes: ["local"], harnesses: ["shell"] },
    });

    const again = await join(reg.joinToken);
    expect(again.status).toBe(401);
    expect(await json(again)).toEqual({
      error: {
        code: "unauthorized",
        message: "The join token is invalid, used or expired; register the broker again.",
      },
    });
  });

  it("an expired join token is refused like an unknown one", async () => {
    const reg = await registered("late");
    await t.hub.runtime.prisma.brokerJoinToken.updateMany({
      where: { brokerId: reg.broker.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect((await join(reg.joinToken)).status).toBe(401);
    expect((await join(`scion_join_${"A".repeat(43)}`)).status).toBe(401);
    expect((await join("not-a-token")).status).toBe(400);
  });

  it("a broker with agents cannot be deleted; an empty one can", async () => {
    const reg = await registered("busy");
    const project = await t.hub.runtime.prisma.project.create({ data: { slug: "brokers-p", name: "p" } });
    await t.hub.runtime.prisma.agent.create({
      data: {
        slug: "x",
        name: "x",
        projectId: project.id,
        brokerId: reg.broker.id,
        createdBy: "user:x",
        ownerId: "user:x",
      },
    });
    const busy = await admin.request(`/api/v1/runtime-brokers/${reg.broker.id}`, { method: "DELETE" });
    expect(busy.status).toBe(409);
    const empty = await registered("empty");
    expect((await admin.request(`/api/v1/runtime-brokers/${empty.broker.id}`, { method: "DELETE" })).status).toBe(204);
    const list = await json<{ items: Array<{ name: string; agentCount: number }> }>(
      await member.request("/api/v1/runtime-brokers"),
    );
    expect(list.items.find((b) => b.name === "busy")?.agentCount).toBe(1);
    expect(list.items.some((b) => b.name === "empty")).toBe(false);
  });
});

describe("signed broker requests", () => {
  async function joined() {
    const reg = await registered(`signer-${Math.random().toString(36).slice(2, 8)}`);
    return json<{ brokerId: string; secret: string }>(await join(reg.joinToken));
  }
  const request = (headers: Record<string, string>, url = "/api/v1/runtime-brokers/connect?v=1", method = "GET") =>
    ({ method, url, headers }) as unknown as IncomingMessage;
  const sign = (brokerId: string, secret: string, body = "", now = Date.now(), method = "GET") =>
    signBrokerRequest({ method, path: "/api/v1/runtime-brokers/connect", query: "v=1", body }, brokerId, secret, now);
  const auth = (req: IncomingMessage, body?: string) =>
    authenticateBrokerRequest(
      t.hub.runtime.prisma,
      t.hub.runtime.sessionSecret,
      req,
      body === undefined ? undefined : Buffer.from(body),
    );

  it("accepts a correctly signed request once; the replay is refused", async () => {
    const { brokerId, secret } = await joined();
    const headers = sign(brokerId, secret);
    expect(await auth(request(headers))).toBe(brokerId);
    await expect(auth(request(headers))).rejects.toThrow("The broker signature did not verify.");
  });

  it.each([
    ["a changed path", (h: Record<string, string>) => request(h, "/api/v1/runtime-brokers/connect?v=2")],
    ["a changed method", (h: Record<string, string>) => request(h, undefined, "POST")],
  ])("refuses %s", async (_case, build) => {
    const { brokerId, secret } = await joined();
    await expect(auth(build(sign(brokerId, secret)))).rejects.toThrow("did not verify");
  });

  it("refuses a changed body, a wrong secret, a clock off by more than five minutes, and a revoked secret", async () => {
    const { brokerId, secret } = await joined();
    await expect(auth(request(sign(brokerId, secret, '{"a":1}', Date.now(), "GET")), '{"a":2}')).rejects.toThrow(
      "did not verify",
    );
    await expect(auth(request(sign(brokerId, "A".repeat(43))))).rejects.toThrow("did not verify");
    await expect(auth(request(sign(brokerId, secret, "", Date.now() - 6 * 60_000)))).rejects.toThrow("did not verify");
    expect(await auth(request(sign(brokerId, secret, "", Date.now() - 4 * 60_000)))).toBe(brokerId);
    await t.hub.runtime.prisma.brokerSecret.updateMany({ where: { brokerId }, data: { status: "revoked" } });
    await expect(auth(request(sign(brokerId, secret)))).rejects.toThrow("did not verify");
  });
});
