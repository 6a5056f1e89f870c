import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintAgentToken } from "../../lib/auth/agent-token";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { rawRequest } from "./raw-http";

/** Hostile JSON shapes, malformed percent escapes, and the security headers of pages and the API. */
let t: TestHub;
let admin: TestUser;
let agentId: string;
let agentToken: string;

beforeAll(async () => {
  t = await startTestHub();
  admin = await t.createUser({ role: "admin" });
  const project = (await (
    await admin.request("/api/v1/projects", { method: "POST", json: { name: "hardening" } })
  ).json()) as { id: string };
  agentId = (
    (await (
      await admin.request("/api/v1/agents", { method: "POST", json: { projectId: project.id, name: "target" } })
    ).json()) as { id: string }
  ).id;
  const row = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: agentId } });
  agentToken = (await mintAgentToken(t.hub.runtime.sessionSecret, row)).token;
});
afterAll(async () => {
  await t.close();
});

const post = (path: string, body: string, token = admin.token) =>
  fetch(`${t.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body,
  });

async function expectShapeRefused(res: Response, message: RegExp): Promise<void> {
  expect(res.status).toBe(400);
  const { error } = (await res.json()) as { error: { code: string; details: Array<{ message: string }> } };
  expect(error.code).toBe("validation_error");
  expect(error.details[0]!.message).toMatch(message);
}

describe("hostile JSON shapes answer 400, never 500", () => {
  const deepArrays = "[".repeat(5000) + "]".repeat(5000);
  const deepObjects = '{"a":'.repeat(5000) + "1" + "}".repeat(5000);

  it("a few thousand nested arrays or objects, at the top or inside a field, on a route handler", async () => {
    await expectShapeRefused(await post("/api/v1/projects", deepArrays), /nest deeper than 64/);
    await expectShapeRefused(await post("/api/v1/projects", deepObjects), /nest deeper than 64/);
    await expectShapeRefused(await post("/api/v1/projects", `{"name":${deepArrays}}`), /nest deeper than 64/);
    // Brackets inside strings are text, not nesting.
    const res = await post("/api/v1/projects", JSON.stringify({ name: "[".repeat(200) }));
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).not.toContain("nest deeper");
    // Moderate nesting is fine.
    expect((await post("/api/v1/projects", JSON.stringify({ name: "shallow" }))).status).toBe(201);
  });

  it("very wide arrays and objects (more than 10,000 items) are refused before validation", async () => {
    await expectShapeRefused(await post("/api/v1/projects", `[${"0,".repeat(20_000)}0]`), /more than 10000 items/);
    const env = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`K${i}`, "v"]));
    const started = Date.now();
    await expectShapeRefused(
      await post("/api/v1/agents", JSON.stringify({ projectId: crypto.randomUUID(), name: "wide", env })),
      /more than 10000 items/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("a wide body under the bound gets at most 50 validation details", async () => {
    const env = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`K${i}`, i]));
    const res = await post("/api/v1/agents", JSON.stringify({ projectId: crypto.randomUUID(), name: "wide", env }));
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { details: unknown[] } };
    expect(error.details.length).toBeLessThanOrEqual(50);
  });

  it("the machine routes too: agent status and broker join", async () => {
    await expectShapeRefused(
      await post(`/api/v1/agents/${agentId}/status`, deepArrays, agentToken),
      /nest deeper than 64/,
    );
    await expectShapeRefused(
      await post(`/api/v1/agents/${agentId}/status`, `{"detail":${deepObjects}}`, agentToken),
      /nest deeper than 64/,
    );
    const join = await fetch(`${t.url}/api/v1/runtime-brokers/join`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: deepArrays,
    });
    await expectShapeRefused(join, /nest deeper than 64/);
  });
});

describe("a malformed percent escape in a path answers 400 with the envelope, never 500", () => {
  const paths = [
    "/api/v1/agents/%E0%A4%A/status",
    "/api/v1/agents/%zz",
    "/%",
    "/agents/%zz",
    "/api/v1/projects/%FF%FE",
    "/api/v1/agents/%E0%A4%A/token/refresh",
    "/readyz%",
  ];
  for (const path of paths) {
    it(path, async () => {
      for (const method of ["GET", "POST"]) {
        const res = await fetch(`${t.url}${path}`, { method, headers: { authorization: `Bearer ${admin.token}` } });
        expect(res.status, method).toBe(400);
        expect(await res.json(), method).toEqual({
          error: { code: "validation_error", message: "The path has a malformed percent escape." },
        });
      }
    });
  }

  it("a page request gets a short HTML page instead", async () => {
    const res = await rawRequest(`${t.url}/agents/%zz`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(400);
    expect(res.headers["content-type"]).toContain("text/html");
    expect(res.text).toContain("The path has a malformed percent escape.");
  });

  it("well-formed escapes still reach their routes", async () => {
    expect((await admin.request(`/api/v1/agents/${agentId.replace("-", "%2D")}`)).status).toBe(200);
    expect((await admin.request("/api/v1/agents/%E2%80%AE")).status).toBe(404);
  });
});

describe("security headers", () => {
  const policy = (res: { headers: Headers }) =>
    Object.fromEntries(
      (res.headers.get("content-security-policy") ?? "")
        .split(";")
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name!, values]),
    );

  it("a page: a CSP whose nonce is on every inline script Next wrote, no framing, nosniff, a referrer policy; no HSTS over http", async () => {
    const res = await fetch(`${t.url}/`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    const csp = policy(res);
    const nonce = csp["script-src"]!.find((s) => s.startsWith("'nonce-"))!.slice(7, -1);
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(csp["script-src"]).not.toContain("'unsafe-inline'");
    expect(csp["script-src"]).not.toContain("'unsafe-eval'");
    expect(csp["frame-ancestors"]).toEqual(["'none'"]);
    expect(csp["object-src"]).toEqual(["'none'"]);
    expect(csp["connect-src"]).toEqual(["'self'", `ws://${new URL(t.url).host}`, `wss://${new URL(t.url).host}`]);
    const html = await res.text();
    const inline = [...html.matchAll(/<script(?![^>]*\ssrc=)([^>]*)>/g)];
    expect(inline.length).toBeGreaterThan(0);
    for (const [, attrs] of inline) expect(attrs).toContain(`nonce="${nonce}"`);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(res.headers.get("strict-transport-security")).toBeNull();
    // A fresh nonce each time; a client cannot choose it by sending its own CSP header.
    const again = await fetch(`${t.url}/`, {
      headers: { accept: "text/html", "content-security-policy": "script-src 'nonce-chosenbyattacker'" },
    });
    const second = policy(again)["script-src"]!.find((s) => s.startsWith("'nonce-"));
    expect(second).not.toBe(`'nonce-${nonce}'`);
    expect(await again.text()).not.toContain("chosenbyattacker");
  });

  it("the prerendered not-found page: its inline scripts are allowed by hash", async () => {
    const res = await fetch(`${t.url}/no/such/page`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(404);
    const sources = policy(res)["script-src"]!;
    const html = await res.text();
    const inline = [...html.matchAll(/<script(?![^>]*\ssrc=)([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(inline.length).toBeGreaterThan(0);
    for (const [, attrs, body] of inline) {
      const nonce = /nonce="([^"]+)"/.exec(attrs!)?.[1];
      const allowed = nonce
        ? sources.includes(`'nonce-${nonce}'`)
        : sources.includes(`'sha256-${crypto.createHash("sha256").update(body!).digest("base64")}'`);
      expect(allowed, body!.slice(0, 80)).toBe(true);
    }
  });

  it("the API and machine routes: a policy that allows nothing, nosniff, no framing", async () => {
    for (const path of ["/api/v1/projects", "/healthz", "/api/v1/nothing"]) {
      const res = await admin.request(path);
      expect(res.headers.get("content-security-policy"), path).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
    }
  });
});
