import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareDevMode } from "../../lib/auth/dev-mode";
import { startTestHub, type TestHub } from "../start-test-hub";
import { rawBytes, rawRequest, upgradeStatus } from "./raw-http";

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.close();
});

describe("dev mode", () => {
  it("writes an admin API token to <data dir>/dev-token, 0600, and reuses it across restarts", async () => {
    const file = path.join(t.hub.runtime.config.dataDirPath, "dev-token");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const token = fs.readFileSync(file, "utf8").trim();
    const res = await fetch(`${t.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(await res.json()).toMatchObject({ email: "dev@localhost", role: "admin", kind: "user" });
    await prepareDevMode(t.hub.runtime);
    expect(fs.readFileSync(file, "utf8").trim()).toBe(token);
  });

  it("signs a page visitor in as dev@localhost; the API still needs the cookie", async () => {
    expect((await fetch(`${t.url}/api/v1/auth/me`)).status).toBe(401);
    const page = await fetch(`${t.url}/`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    const setCookie = page.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^next-auth\.session-token=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    const cookie = setCookie.split(";")[0]!;
    const me = await fetch(`${t.url}/api/v1/auth/me`, { headers: { cookie } });
    expect(await me.json()).toMatchObject({ email: "dev@localhost", role: "admin" });
    const again = await fetch(`${t.url}/`, { headers: { cookie, accept: "text/html" } });
    expect(again.headers.get("set-cookie")).toBeNull();
  });

  it("a session cookie from another secret is not accepted", async () => {
    const res = await fetch(`${t.url}/api/v1/auth/me`, {
      headers: { cookie: "next-auth.session-token=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..forged.forged.forged" },
    });
    expect(res.status).toBe(401);
  });

  describe("DNS rebinding: only loopback names reach a dev hub", () => {
    const port = () => new URL(t.url).port;
    const page = (host: string, headers: Record<string, string> = {}) =>
      rawRequest(`${t.url}/`, { headers: { host, accept: "text/html", ...headers } });
    const devCookie = async () =>
      (await fetch(`${t.url}/`, { headers: { accept: "text/html" } })).headers.get("set-cookie")!.split(";")[0]!;

    it("a page asked for under another name is refused (421) and signs nobody in", async () => {
      for (const host of [
        `evil.example:${port()}`,
        "evil.example",
        `127.0.0.1.evil.example:${port()}`,
        `localhost.evil.example:${port()}`,
        `10.0.0.5:${port()}`,
        `[::2]:${port()}`,
      ]) {
        const res = await page(host);
        expect(res.status, host).toBe(421);
        expect(res.headers["set-cookie"], host).toBeUndefined();
        expect(res.text, host).toContain("answers only at localhost, 127.0.0.1 or [::1]");
      }
      // HTTP/1.0 needs no Host header; without one the name is unknown, so not loopback.
      expect(await rawBytes(t.url, "GET / HTTP/1.0\r\nAccept: text/html\r\n\r\n")).toBe(
        "HTTP/1.1 421 Misdirected Request",
      );
    });

    it("the API with the dev session cookie is refused under another name, with the error envelope", async () => {
      const cookie = await devCookie();
      const res = await rawRequest(`${t.url}/api/v1/auth/me`, {
        headers: { host: `rebound.example:${port()}`, cookie },
      });
      expect(res.status).toBe(421);
      expect(JSON.parse(res.text)).toEqual({
        error: { code: "misdirected_request", message: expect.stringContaining("dev mode") },
      });
      const post = await rawRequest(`${t.url}/api/v1/projects`, {
        method: "POST",
        headers: {
          host: `rebound.example:${port()}`,
          cookie,
          origin: `http://rebound.example:${port()}`,
          "content-type": "application/json",
        },
        body: '{"name":"rebound"}',
      });
      expect(post.status).toBe(421);
      expect(await t.hub.runtime.prisma.project.count({ where: { name: "rebound" } })).toBe(0);
    });

    it("a terminal WebSocket under another name is refused before the upgrade", async () => {
      const cookie = await devCookie();
      const res = await upgradeStatus(`${t.url}/api/v1/agents/00000000-0000-4000-8000-000000000000/pty`, {
        host: `rebound.example:${port()}`,
        cookie,
        origin: `http://rebound.example:${port()}`,
      });
      expect(res.status).toBe(421);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: "misdirected_request" } });
    });

    it("every loopback name is served: localhost, *.localhost, 127.0.0.0/8 and [::1], with or without a port", async () => {
      for (const host of [
        `localhost:${port()}`,
        "localhost",
        `hub.localhost:${port()}`,
        `127.0.0.1:${port()}`,
        `127.4.5.6:${port()}`,
        `[::1]:${port()}`,
        `LOCALHOST:${port()}`,
      ]) {
        expect((await page(host)).status, host).toBe(200);
      }
    });

    it("bearer-token calls to the API and /healthz answer under any name (agents in containers use host.containers.internal)", async () => {
      const token = fs.readFileSync(path.join(t.hub.runtime.config.dataDirPath, "dev-token"), "utf8").trim();
      const me = await rawRequest(`${t.url}/api/v1/auth/me`, {
        headers: { host: `host.containers.internal:${port()}`, authorization: `Bearer ${token}` },
      });
      expect(me.status).toBe(200);
      expect((await rawRequest(`${t.url}/healthz`, { headers: { host: "host.containers.internal" } })).status).toBe(
        200,
      );
      // The broker's signed channel is judged by its signature (this one is made up), not by the name.
      const channel = `${t.url}/api/v1/runtime-brokers/connect`;
      const signed = {
        host: `host.containers.internal:${port()}`,
        "x-scion-broker-id": crypto.randomUUID(),
        "x-scion-timestamp": String(Math.floor(Date.now() / 1000)),
        "x-scion-nonce": "n".repeat(22),
        "x-scion-signature": "s".repeat(43),
      };
      expect((await upgradeStatus(channel, signed)).status).toBe(401);
      expect((await upgradeStatus(channel, { host: signed.host })).status).toBe(421);
      // A token does not open the pages under another name: they sign visitors in by cookie.
      expect((await page(`host.containers.internal:${port()}`, { authorization: `Bearer ${token}` })).status).toBe(421);
    });
  });
});
