import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HarnessConfigJson } from "../../lib/harness-configs/schemas";
import type { TemplateJson } from "../../lib/templates/schemas";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";

/**
 * Harness configs through a real hub: settings validated per harness (the keys the hub writes
 * itself refused by name, size and shape bounds, a harness without a settings file takes none),
 * auth types, scopes and visibility, slug clashes, clone, the built-in ones read-only, deletes
 * refused while a template uses the config, and which configs a template may name.
 */
let t: TestHub;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;
let alpha: { id: string };

type ErrorBody = { error: { code: string; message: string; details?: unknown } };
async function call<T = HarnessConfigJson>(
  user: TestUser,
  pathname: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<{ status: number; body: T & ErrorBody }> {
  const res = await user.request(pathname, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T & ErrorBody };
}
const create = (user: TestUser, json: Record<string, unknown>) =>
  call(user, "/api/v1/harness-configs", { method: "POST", json: { scope: "user", harness: "claude", ...json } });
const patch = (user: TestUser, id: string, json: unknown) =>
  call(user, `/api/v1/harness-configs/${id}`, { method: "PATCH", json });
const remove = (user: TestUser, id: string) => call(user, `/api/v1/harness-configs/${id}`, { method: "DELETE" });
const list = async (user: TestUser, query = "") =>
  (await call<{ items: HarnessConfigJson[] }>(user, `/api/v1/harness-configs${query}`)).body.items;
const detailPaths = (body: ErrorBody) => (body.error.details as Array<{ path: string; message: string }>) ?? [];

beforeAll(async () => {
  t = await startTestHub();
  [alice, bob, admin] = await Promise.all([t.createUser(), t.createUser(), t.createUser({ role: "admin" })]);
  alpha = (await call<{ id: string }>(alice, "/api/v1/projects", { method: "POST", json: { name: "alpha" } })).body;
}, 60_000);
afterAll(async () => {
  await t?.close();
});

describe("settings per harness", () => {
  it("accepts settings for the harness's config file and answers them back", async () => {
    const res = await create(alice, {
      name: "Claude dark",
      model: "claude-sonnet-4-5",
      authType: "api-key",
      settings: { theme: "dark", includeCoAuthoredBy: false, statusLine: { type: "command", command: "echo hi" } },
      env: { MAX_THINKING_TOKENS: "2048" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      slug: "claude-dark",
      scope: "user",
      userId: alice.user.id,
      harness: "claude",
      model: "claude-sonnet-4-5",
      authType: "api-key",
      settings: { theme: "dark", includeCoAuthoredBy: false, statusLine: { type: "command", command: "echo hi" } },
      env: { MAX_THINKING_TOKENS: "2048" },
      builtIn: false,
    });
    const codex = await create(alice, {
      name: "Codex reasoning",
      harness: "codex",
      settings: { model_reasoning_effort: "high", mcp_servers: { docs: { command: "docs-mcp", args: ["--stdio"] } } },
    });
    expect(codex.status).toBe(201);
  });

  it.each([
    ["claude", { hooks: { Stop: [] } }, "hooks"],
    ["claude", { permissions: { allow: ["Bash"] } }, "permissions"],
    ["claude", { disableAllHooks: true, env: { A: "1" } }, "disableAllHooks, env"],
    ["gemini", { security: { auth: { selectedType: "oauth-personal" } } }, "security.auth"],
    ["gemini", { model: { name: "gemini-x" } }, "model.name"],
    ["codex", { approval_policy: "on-request", sandbox_mode: "read-only" }, "approval_policy, sandbox_mode"],
  ])("refuses %s settings that name keys the hub writes itself (%j)", async (harness, settings, named) => {
    const res = await create(alice, { name: `reserved ${named}`, harness, settings });
    expect(res.status).toBe(400);
    const problem = detailPaths(res.body).find((d) => d.path === "settings");
    expect(problem?.message).toContain(`the hub writes ${named} itself`);
  });

  it.each([
    ["a harness without a settings file", { harness: "shell", settings: { anything: 1 } }, "Shell takes no settings"],
    ["null in TOML settings", { harness: "codex", settings: { model_verbosity: null } }, "TOML has no null"],
    ["settings over 64 KiB", { settings: { big: "x".repeat(64 * 1024) } }, "at most 64 KiB"],
    ["a prototype key", { settings: JSON.parse('{"a":{"constructor":{"x":1}}}') }, "not a settings key"],
    ["settings too deep", { settings: JSON.parse(`${'{"a":'.repeat(20)}1${"}".repeat(20)}`) }, "nest at most"],
  ])("refuses %s", async (_label, fields, message) => {
    const res = await create(alice, { name: "bad settings", ...fields });
    expect(res.status).toBe(400);
    expect(detailPaths(res.body).find((d) => d.path === "settings")?.message).toContain(message);
  });

  it("refuses an auth type the harness does not have, naming the ones it has", async () => {
    const res = await create(alice, { name: "bad auth", harness: "gemini", authType: "api-key" });
    expect(res.status).toBe(400);
    expect(detailPaths(res.body).find((d) => d.path === "authType")?.message).toBe(
      "Gemini CLI authenticates with gemini-api-key, google-api-key, oauth-file",
    );
  });

  it("checks a PATCH against the resulting harness", async () => {
    const config = (await create(alice, { name: "Patchable", settings: { theme: "light" } })).body;
    const bad = await patch(alice, config.id, { settings: { hooks: {} } });
    expect(bad.status).toBe(400);
    // The settings stay claude's: switching to the shell (which takes none) is refused.
    expect((await patch(alice, config.id, { harness: "shell" })).status).toBe(400);
    const good = await patch(alice, config.id, { settings: { theme: "dark" }, model: null });
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ settings: { theme: "dark" }, model: null });
  });
});

describe("scopes, slugs and clone", () => {
  it("a personal config is its owner's alone; hub configs are admins' to write", async () => {
    const mine = (await create(alice, { name: "Private config" })).body;
    expect((await list(bob)).map((c) => c.id)).not.toContain(mine.id);
    expect((await call(bob, `/api/v1/harness-configs/${mine.id}`)).status).toBe(404);
    expect((await call(admin, `/api/v1/harness-configs/${mine.id}`)).status).toBe(404);
    expect((await create(bob, { name: "Bob hub", scope: "hub" })).status).toBe(403);
    const hub = await create(admin, { name: "Hub claude", scope: "hub" });
    expect(hub.status).toBe(201);
    expect((await list(bob)).map((c) => c.id)).toContain(hub.body.id);
    expect((await patch(bob, hub.body.id, { name: "x" })).status).toBe(403);
  });

  it("clashes by slug within a scope (409 naming it), not across scopes, and clones into another scope", async () => {
    const first = await create(alice, { name: "Shared name" });
    expect(first.status).toBe(201);
    const clash = await create(alice, { name: "Shared Name" });
    expect(clash.status).toBe(409);
    expect(clash.body.error.message).toBe("A harness config called shared-name already exists in your personal scope.");
    const inProject = await create(alice, { name: "Shared name", scope: "project", projectId: alpha.id });
    expect(inProject.status).toBe(201);
    expect((await create(bob, { name: "Shared name" })).status).toBe(201);

    const cloned = await call(alice, `/api/v1/harness-configs/${first.body.id}/clone`, {
      method: "POST",
      json: { name: "Shared name", scope: "project", projectId: alpha.id },
    });
    expect(cloned.status).toBe(409);
    expect(cloned.body.error.message).toBe("A harness config called shared-name already exists in project alpha.");
    const copy = await call(alice, `/api/v1/harness-configs/${first.body.id}/clone`, {
      method: "POST",
      json: { name: "Alpha copy", scope: "project", projectId: alpha.id },
    });
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({ scope: "project", projectId: alpha.id, harness: "claude", builtIn: false });
  });

  it("built-in configs are read-only for everyone and cloneable", async () => {
    const builtIn = (await list(alice)).find((c) => c.builtIn && c.slug === "gemini-cli")!;
    expect(builtIn).toMatchObject({ scope: "hub", harness: "gemini" });
    const refused = await patch(admin, builtIn.id, { model: "gemini-x" });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain("clone");
    expect((await remove(admin, builtIn.id)).status).toBe(403);
    const copy = await call(bob, `/api/v1/harness-configs/${builtIn.id}/clone`, {
      method: "POST",
      json: { name: "My Gemini" },
    });
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({ slug: "my-gemini", scope: "user", userId: bob.user.id, builtIn: false });
  });
});

describe("configs and templates", () => {
  it("refuses to delete a config a template uses (409 naming the templates) and to change its harness", async () => {
    const config = (await create(alice, { name: "In use" })).body;
    const template = (
      await call<TemplateJson>(alice, "/api/v1/templates", {
        method: "POST",
        json: { name: "Uses it", scope: "user", harnessConfigId: config.id },
      })
    ).body;
    expect(template.harness).toBe("claude");
    const refused = await remove(alice, config.id);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("uses-it");
    expect(refused.body.error.details).toEqual({
      templates: [{ id: template.id, slug: "uses-it", scope: "user", projectId: null }],
    });
    const harnessChange = await patch(alice, config.id, { harness: "gemini", settings: {} });
    expect(harnessChange.status).toBe(409);

    expect((await call(alice, `/api/v1/templates/${template.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await remove(alice, config.id)).status).toBe(204);
    expect((await call(alice, `/api/v1/harness-configs/${config.id}`)).status).toBe(404);
  });

  it("lets a template name only a config every one of its users sees, of the same harness", async () => {
    const personal = (await create(admin, { name: "Admin personal" })).body;
    const hubTemplate = await call<TemplateJson>(admin, "/api/v1/templates", {
      method: "POST",
      json: { name: "Hub on personal", scope: "hub", harnessConfigId: personal.id },
    });
    expect(hubTemplate.status).toBe(400);
    expect(detailPaths(hubTemplate.body).map((d) => d.path)).toEqual(["harnessConfigId"]);

    const mismatch = await call<TemplateJson>(admin, "/api/v1/templates", {
      method: "POST",
      json: { name: "Mismatch", scope: "user", harnessConfigId: personal.id, harness: "codex" },
    });
    expect(mismatch.status).toBe(400);
    expect(detailPaths(mismatch.body).map((d) => d.path)).toEqual(["harness"]);

    // Someone else's personal config is no config at all.
    const foreign = await call<TemplateJson>(bob, "/api/v1/templates", {
      method: "POST",
      json: { name: "Foreign", scope: "user", harnessConfigId: personal.id },
    });
    expect(foreign.status).toBe(400);
  });
});
