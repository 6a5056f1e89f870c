import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareDevMode } from "../../lib/auth/dev-mode";
import { startTestHub, type TestHub } from "../start-test-hub";

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
    const res = await fetch(`${t.url}/api/v1/auth/me`, { headers: { cookie: "next-auth.session-token=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..forged.forged.forged" } });
    expect(res.status).toBe(401);
  });
});
