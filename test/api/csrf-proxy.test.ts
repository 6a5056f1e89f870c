import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeIap } from "../fake-iap";
import { startTestHub, type TestHub } from "../start-test-hub";
import { rawRequest, upgradeStatus } from "./raw-http";

/**
 * Proxy mode: IAP adds its assertion to whatever the browser sends it (its own cookie rides
 * along to any site's request), so the IAP identity is a browser credential like the session
 * cookie and only counts from the hub's own pages, here reached at an https public URL.
 */
const AUDIENCE = "/projects/7/global/backendServices/9";
const PUBLIC_URL = "https://hub.example.test";
let iap: Awaited<ReturnType<typeof startFakeIap>>;
let t: TestHub;

beforeAll(async () => {
  iap = await startFakeIap(AUDIENCE);
  t = await startTestHub({
    SCION_AUTH_MODE: "proxy",
    SCION_IAP_AUDIENCE: AUDIENCE,
    SCION_IAP_JWKS_URL: iap.jwksUrl,
    SCION_ALLOWED_DOMAINS: "example.com",
    SCION_PUBLIC_URL: PUBLIC_URL,
  });
});
afterAll(async () => {
  await t?.close();
  await iap?.close();
});

const post = async (name: string, headers: Record<string, string>) =>
  rawRequest(`${t.url}/api/v1/projects`, {
    method: "POST",
    headers: {
      "x-goog-iap-jwt-assertion": await iap.assertion("ivy@example.com"),
      "content-type": "application/json",
      ...headers,
    },
    body: JSON.stringify({ name }),
  });

describe("proxy mode (IAP): CSRF and HSTS", () => {
  it("an unsafe method through IAP with no Origin or another site's is refused (403); from the public URL's pages it is served", async () => {
    for (const headers of [{}, { origin: "https://evil.example" }, { origin: "http://hub.example.test" }] as Array<
      Record<string, string>
    >) {
      const res = await post("iap forged", headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(JSON.parse(res.text)).toMatchObject({ error: { code: "forbidden" } });
    }
    expect(await t.hub.runtime.prisma.project.count({ where: { name: "iap forged" } })).toBe(0);
    expect((await post("iap own", { origin: PUBLIC_URL })).status).toBe(201);
    expect((await post("iap same-origin", { "sec-fetch-site": "same-origin" })).status).toBe(201);
  });

  it("a terminal WebSocket through IAP needs the hub's Origin", async () => {
    const pty = `${t.url}/api/v1/agents/00000000-0000-4000-8000-000000000000/pty`;
    const assertion = await iap.assertion("ivy@example.com");
    expect(
      (await upgradeStatus(pty, { "x-goog-iap-jwt-assertion": assertion, origin: "https://evil.example" })).status,
    ).toBe(403);
    expect((await upgradeStatus(pty, { "x-goog-iap-jwt-assertion": assertion, origin: PUBLIC_URL })).status).toBe(404);
  });

  it("HSTS is sent on pages and the API when the public URL is https", async () => {
    for (const path of ["/healthz", "/api/v1/auth/providers", "/login"]) {
      const res = await rawRequest(`${t.url}${path}`, { headers: { accept: "text/html" } });
      expect(res.headers["strict-transport-security"], path).toBe("max-age=63072000");
    }
  });
});
