import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintAgentToken } from "../../lib/auth/agent-token";
import { encodeSessionCookie, SESSION_COOKIE } from "../../lib/auth/session-cookie";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { rawRequest, upgradeStatus } from "./raw-http";

/**
 * Cross-site request forgery: what a browser attaches by itself (the session cookie, the IAP
 * identity) is honoured for unsafe methods only when the request comes from the hub's own pages,
 * and a body must be sent as application/json. Bearer tokens are not affected.
 */
let t: TestHub;
let alice: TestUser;
let cookie: string;

const FOREIGN = "You did not send this: a page of evil.example did";

beforeAll(async () => {
  t = await startTestHub();
  alice = await t.createUser();
  cookie = `${SESSION_COOKIE}=${await encodeSessionCookie(t.hub.runtime.sessionSecret, { id: alice.user.id, email: alice.user.email, name: null })}`;
});
afterAll(async () => {
  await t.close();
});

/** POST /api/v1/projects with the session cookie and the given extra headers. */
function createWithCookie(name: string, headers: Record<string, string>) {
  return rawRequest(`${t.url}/api/v1/projects`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json", ...headers },
    body: JSON.stringify({ name }),
  });
}

const projects = (name: string) => t.hub.runtime.prisma.project.count({ where: { name } });

describe("CSRF: the session cookie counts only from the hub's own pages", () => {
  it("an unsafe method with the cookie and no Origin, a foreign Origin, Origin null or Sec-Fetch-Site cross-site is refused (403) and changes nothing", async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { origin: "https://evil.example" },
      { origin: "null" },
      { origin: `${t.url}.evil.example` },
      { "sec-fetch-site": "cross-site", origin: "https://evil.example" },
      { "sec-fetch-site": "same-site" },
    ];
    for (const headers of attempts) {
      const res = await createWithCookie(FOREIGN, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(JSON.parse(res.text)).toEqual({
        error: {
          code: "forbidden",
          message: "The request did not come from this hub's own pages (its Origin is not the hub's).",
        },
      });
    }
    expect(await projects(FOREIGN)).toBe(0);
  });

  it("PATCH and DELETE with the cookie from elsewhere are refused too", async () => {
    const project = (await (
      await alice.request("/api/v1/projects", { method: "POST", json: { name: "kept" } })
    ).json()) as { id: string };
    const patch = await rawRequest(`${t.url}/api/v1/projects/${project.id}`, {
      method: "PATCH",
      headers: { cookie, origin: "https://evil.example", "content-type": "application/json" },
      body: '{"name":"hijacked"}',
    });
    expect(patch.status).toBe(403);
    const del = await rawRequest(`${t.url}/api/v1/projects/${project.id}`, { method: "DELETE", headers: { cookie } });
    expect(del.status).toBe(403);
    expect(await t.hub.runtime.prisma.project.findUnique({ where: { id: project.id } })).toMatchObject({
      name: "kept",
    });
  });

  it("the hub's own pages get through: their Origin (under the name the hub was opened at) or Sec-Fetch-Site: same-origin", async () => {
    const port = new URL(t.url).port;
    expect((await createWithCookie("from own origin", { origin: t.url })).status).toBe(201);
    expect(
      (await createWithCookie("from localhost", { origin: `http://localhost:${port}`, host: `localhost:${port}` }))
        .status,
    ).toBe(201);
    expect((await createWithCookie("same-origin fetch", { "sec-fetch-site": "same-origin" })).status).toBe(201);
    expect(await projects("from own origin")).toBe(1);
  });

  it("a GET with the cookie from a foreign Origin is refused; a link from elsewhere (no Origin) is not", async () => {
    const foreign = await rawRequest(`${t.url}/api/v1/auth/me`, {
      headers: { cookie, origin: "https://evil.example", "sec-fetch-site": "cross-site" },
    });
    expect(foreign.status).toBe(403);
    const link = await rawRequest(`${t.url}/api/v1/auth/me`, { headers: { cookie, "sec-fetch-site": "cross-site" } });
    expect(link.status).toBe(200);
    const page = await rawRequest(`${t.url}/`, {
      headers: { cookie, accept: "text/html", origin: "https://evil.example" },
    });
    expect(page.status).toBe(403);
    expect(page.text).toContain("did not come from this hub");
  });

  it("signing out with the cookie from another site is refused and the cookie stays", async () => {
    const res = await rawRequest(`${t.url}/api/v1/auth/logout`, {
      method: "POST",
      headers: { cookie, origin: "https://evil.example" },
    });
    expect(res.status).toBe(403);
    expect(res.headers["set-cookie"]).toBeUndefined();
    const own = await rawRequest(`${t.url}/api/v1/auth/logout`, { method: "POST", headers: { cookie, origin: t.url } });
    expect(own.status).toBe(200);
  });

  it("a terminal WebSocket with the cookie needs the hub's Origin; with a token it does not", async () => {
    const pty = `${t.url}/api/v1/agents/00000000-0000-4000-8000-000000000000/pty`;
    for (const headers of [{ cookie }, { cookie, origin: "https://evil.example" }] as Array<Record<string, string>>) {
      const res = await upgradeStatus(pty, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: "forbidden" } });
    }
    // Past the origin rule: the agent does not exist.
    expect((await upgradeStatus(pty, { cookie, origin: t.url })).status).toBe(404);
    expect(
      (await upgradeStatus(pty, { authorization: `Bearer ${alice.token}`, origin: "https://evil.example" })).status,
    ).toBe(404);
  });

  it("bearer tokens are unaffected: no Origin, or any Origin, and the cookie beside them is ignored", async () => {
    const res = await rawRequest(`${t.url}/api/v1/projects`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${alice.token}`,
        cookie,
        origin: "https://elsewhere.example",
        "content-type": "application/json",
      },
      body: '{"name":"by token"}',
    });
    expect(res.status).toBe(201);
  });
});

describe("a JSON body must say so: Content-Type application/json, else 415", () => {
  it("text/plain, a form, multipart or no Content-Type at all are refused before anything is written", async () => {
    for (const type of [
      "text/plain",
      "text/plain;charset=UTF-8",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      undefined,
    ]) {
      const res = await rawRequest(`${t.url}/api/v1/projects`, {
        method: "POST",
        headers: { authorization: `Bearer ${alice.token}`, ...(type && { "content-type": type }) },
        body: '{"name":"typed wrong"}',
      });
      expect(res.status, String(type)).toBe(415);
      expect(JSON.parse(res.text)).toEqual({
        error: {
          code: "unsupported_media_type",
          message: "Send the body as JSON with Content-Type: application/json.",
        },
      });
    }
    expect(await projects("typed wrong")).toBe(0);
  });

  it("application/json with parameters is fine, and so is a request with no body and no Content-Type", async () => {
    const res = await rawRequest(`${t.url}/api/v1/projects`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.token}`, "content-type": "Application/JSON; charset=utf-8" },
      body: '{"name":"typed right"}',
    });
    expect(res.status).toBe(201);
    // The body of a maintenance run is optional.
    const admin = await t.createUser({ role: "admin" });
    const run = await rawRequest(`${t.url}/api/v1/admin/maintenance/operations/purge-messages/run`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(run.status).toBe(202);
  });

  it("the machine routes too: agent status and broker join refuse a body that is not application/json", async () => {
    const project = (await (
      await alice.request("/api/v1/projects", { method: "POST", json: { name: "machines" } })
    ).json()) as { id: string };
    const agent = (await (
      await alice.request("/api/v1/agents", { method: "POST", json: { projectId: project.id, name: "reporter" } })
    ).json()) as { id: string };
    const row = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: agent.id } });
    const { token } = await mintAgentToken(t.hub.runtime.sessionSecret, row);
    const status = await rawRequest(`${t.url}/api/v1/agents/${agent.id}/status`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" },
      body: '{"detail":"sneaky"}',
    });
    expect(status.status).toBe(415);
    expect((await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: agent.id } })).detail).not.toBe("sneaky");
    const join = await rawRequest(`${t.url}/api/v1/runtime-brokers/join`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: '{"joinToken":"x","hostname":"h"}',
    });
    expect(join.status).toBe(415);
  });
});
