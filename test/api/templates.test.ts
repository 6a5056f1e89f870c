import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ControlChannelClient } from "../../broker/control-channel-client";
import { openAgentEnv } from "../../lib/agents/agent-env";
import type { AgentJson } from "../../lib/agents/schemas";
import type { TemplateJson } from "../../lib/templates/schemas";
import { isForeignKeyViolation, isUniqueViolation } from "../../lib/templates/config-scope";
import { seedBuiltIns } from "../../lib/templates/seed-built-ins";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { connectChannelBroker } from "../support/channel-broker";

/**
 * Templates through a real hub: the built-in ones, scopes and who sees and changes what (hub,
 * project — including a members-only project — and personal), slug clashes (a look-up and the
 * unique index under simultaneous creates), clone into another scope, delete refused while a
 * project uses one as its default, file and field bounds, and agents created from a template: the
 * template's values under the request's, the snapshot that outlives the template, missing secrets
 * refused with 422, and what the broker's start request carries. The broker is a stand-in on the
 * real control channel that records what it is asked.
 */
let t: TestHub;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;
let alpha: { id: string; slug: string };
let broker: ControlChannelClient;
const brokerCalls: Array<{ op: string; args: Record<string, unknown> }> = [];

type ErrorBody = { error: { code: string; message: string; details?: unknown } };
type Answer<T> = { status: number; body: T & ErrorBody };

async function call<T = Record<string, unknown>>(
  user: TestUser,
  pathname: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<Answer<T>> {
  const res = await user.request(pathname, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T & ErrorBody };
}
const post = <T = TemplateJson>(user: TestUser, pathname: string, json: unknown) =>
  call<T>(user, pathname, { method: "POST", json });
const patch = (user: TestUser, id: string, json: unknown) =>
  call<TemplateJson>(user, `/api/v1/templates/${id}`, { method: "PATCH", json });
const remove = (user: TestUser, id: string) => call(user, `/api/v1/templates/${id}`, { method: "DELETE" });
const list = async (user: TestUser, query = "") =>
  (await call<{ items: TemplateJson[] }>(user, `/api/v1/templates${query}`)).body.items;
const createTemplate = (user: TestUser, json: Record<string, unknown>) =>
  post(user, "/api/v1/templates", { harness: "shell", scope: "user", ...json });

beforeAll(async () => {
  t = await startTestHub();
  [alice, bob, admin] = await Promise.all([t.createUser(), t.createUser(), t.createUser({ role: "admin" })]);
  alpha = (await post<{ id: string; slug: string }>(alice, "/api/v1/projects", { name: "alpha" })).body;
  ({ client: broker } = await connectChannelBroker(t.hub, {
    admin: admin.user,
    name: "stand-in",
    hostname: "stand-in",
    capabilities: { runtimes: ["local"], harnesses: ["shell", "claude", "gemini"] },
    heartbeat: () => ({ agents: [] }),
    onRequest: async (op, raw) => {
      const args = raw as Record<string, unknown>;
      brokerCalls.push({ op, args });
      if (op === "agent.start") {
        setTimeout(() => {
          void fetch(`${t.url}/api/v1/agents/${String(args.agentId)}/status`, {
            method: "POST",
            headers: { authorization: `Bearer ${String(args.token)}`, "content-type": "application/json" },
            body: JSON.stringify({ phase: "running", activity: "idle" }),
          });
        }, 50);
        return { ports: {}, urls: {} };
      }
      return {};
    },
  }));
}, 60_000);
afterAll(async () => {
  await broker?.stop();
  await t?.close();
});

describe("built-in templates", () => {
  it("ships claude-code, gemini-cli and codex in the hub scope, each on its built-in harness config; seeding again adds nothing", async () => {
    const builtIns = (await list(bob)).filter((x) => x.builtIn);
    expect(builtIns.map((x) => [x.slug, x.harness, x.scope]).sort()).toEqual([
      ["claude-code", "claude", "hub"],
      ["codex", "codex", "hub"],
      ["gemini-cli", "gemini", "hub"],
    ]);
    for (const b of builtIns) {
      expect(b.instructions).toContain("When you finish");
      expect(b.harnessConfigId).toEqual(expect.any(String));
    }
    const configs = (await call<{ items: Array<{ slug: string; builtIn: boolean }> }>(bob, "/api/v1/harness-configs"))
      .body.items;
    expect(
      configs
        .filter((c) => c.builtIn)
        .map((c) => c.slug)
        .sort(),
    ).toEqual(["claude-code", "codex", "gemini-cli"]);

    await seedBuiltIns(t.hub.runtime.prisma, t.log.logger);
    await seedBuiltIns(t.hub.runtime.prisma, t.log.logger);
    expect(await t.hub.runtime.prisma.template.count({ where: { builtIn: true } })).toBe(3);
    expect(await t.hub.runtime.prisma.harnessConfig.count({ where: { builtIn: true } })).toBe(3);
  });

  it("are put back at the next boot: a changed one gets this version's text again, a missing one is created", async () => {
    const prisma = t.hub.runtime.prisma;
    const claude = await prisma.template.findFirstOrThrow({ where: { scope: "hub", slug: "claude-code" } });
    const codexConfig = await prisma.harnessConfig.findFirstOrThrow({ where: { scope: "hub", slug: "codex" } });
    await prisma.template.update({ where: { id: claude.id }, data: { instructions: "edited behind the hub's back" } });
    await prisma.harnessConfig.update({ where: { id: codexConfig.id }, data: { name: "renamed" } });
    await prisma.template.deleteMany({ where: { scope: "hub", slug: "gemini-cli" } });

    await seedBuiltIns(prisma, t.log.logger);
    expect((await prisma.template.findUniqueOrThrow({ where: { id: claude.id } })).instructions).toBe(
      claude.instructions,
    );
    expect((await prisma.harnessConfig.findUniqueOrThrow({ where: { id: codexConfig.id } })).name).toBe(
      codexConfig.name,
    );
    const gemini = await prisma.template.findFirstOrThrow({ where: { scope: "hub", slug: "gemini-cli" } });
    expect(gemini).toMatchObject({ builtIn: true, harness: null, harnessConfigId: expect.any(String) });
    expect(await prisma.template.count({ where: { builtIn: true } })).toBe(3);
  });

  it("is read-only even for admins (403 naming clone) but anyone can clone it into their own scope and edit the copy", async () => {
    const claude = (await list(alice)).find((x) => x.slug === "claude-code" && x.builtIn)!;
    const changed = await patch(admin, claude.id, { instructions: "changed" });
    expect(changed.status).toBe(403);
    expect(changed.body.error.message).toMatch(/built-in.*clone/);
    expect((await remove(admin, claude.id)).status).toBe(403);
    expect((await call<TemplateJson>(alice, `/api/v1/templates/${claude.id}`)).body.instructions).toBe(
      claude.instructions,
    );

    const copy = await post(alice, `/api/v1/templates/${claude.id}/clone`, { name: "My Claude" });
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({
      slug: "my-claude",
      scope: "user",
      userId: alice.user.id,
      builtIn: false,
      harness: "claude",
      harnessConfigId: claude.harnessConfigId,
      instructions: claude.instructions,
    });
    const edited = await patch(alice, copy.body.id, { instructions: "Only review, never edit." });
    expect(edited.status).toBe(200);
    expect(edited.body.instructions).toBe("Only review, never edit.");
  });
});

describe("scopes and visibility", () => {
  it("a personal template is its owner's alone: others (admins included) neither list, read, change nor clone it", async () => {
    const mine = await createTemplate(alice, { name: "Alice private" });
    expect(mine.status).toBe(201);
    expect((await list(alice)).map((x) => x.id)).toContain(mine.body.id);
    for (const other of [bob, admin]) {
      expect((await list(other)).map((x) => x.id)).not.toContain(mine.body.id);
      expect((await call(other, `/api/v1/templates/${mine.body.id}`)).status).toBe(404);
      expect((await patch(other, mine.body.id, { name: "taken" })).status).toBe(404);
      expect((await post(other, `/api/v1/templates/${mine.body.id}/clone`, { name: "stolen" })).status).toBe(404);
      expect((await remove(other, mine.body.id)).status).toBe(404);
    }
  });

  it("hub templates are written by admins and seen by all; project templates by the project's managers and seen by whoever sees the project", async () => {
    const refused = await createTemplate(bob, { name: "Bob hub", scope: "hub" });
    expect(refused.status).toBe(403);
    const hub = await createTemplate(admin, { name: "Team standard", scope: "hub" });
    expect(hub.status).toBe(201);
    expect((await list(bob)).map((x) => x.slug)).toContain("team-standard");
    expect((await patch(bob, hub.body.id, { name: "mine now" })).status).toBe(403);

    // Alice created alpha: she manages it; Bob sees it (visibility hub) but does not manage it.
    const project = await createTemplate(alice, { name: "Alpha reviewer", scope: "project", projectId: alpha.id });
    expect(project.status).toBe(201);
    expect(project.body).toMatchObject({ scope: "project", projectId: alpha.id, userId: null });
    expect((await list(bob)).map((x) => x.id)).toContain(project.body.id);
    expect((await patch(bob, project.body.id, { name: "Bob's now" })).status).toBe(403);
    expect((await remove(bob, project.body.id)).status).toBe(403);
    expect((await createTemplate(bob, { name: "Bob in alpha", scope: "project", projectId: alpha.id })).status).toBe(
      403,
    );
    // A project that does not exist is not found, for creating as for listing.
    const ghost = "00000000-0000-4000-8000-000000000000";
    expect((await createTemplate(alice, { name: "x", scope: "project", projectId: ghost })).status).toBe(404);
    expect((await call(alice, `/api/v1/templates?projectId=${ghost}`)).status).toBe(404);
  });

  it("a members-only project's templates are seen by its members only; a manager member may change them, a plain member not", async () => {
    const { prisma } = t.hub.runtime;
    const hidden = await prisma.project.create({
      data: { slug: "hidden", name: "hidden", visibility: "members", createdById: admin.user.id },
    });
    const secret = await createTemplate(admin, { name: "Hidden recipe", scope: "project", projectId: hidden.id });
    expect(secret.status).toBe(201);
    expect((await list(bob)).map((x) => x.id)).not.toContain(secret.body.id);
    expect((await call(bob, `/api/v1/templates/${secret.body.id}`)).status).toBe(404);
    expect((await call(bob, `/api/v1/templates?projectId=${hidden.id}`)).status).toBe(404);

    await prisma.projectMember.create({
      data: { projectId: hidden.id, userId: bob.user.id, role: "member", addedBy: `user:${admin.user.id}` },
    });
    expect((await list(bob, `?projectId=${hidden.id}`)).map((x) => x.id)).toContain(secret.body.id);
    expect((await patch(bob, secret.body.id, { description: "member edit" })).status).toBe(403);

    await prisma.projectMember.update({
      where: { projectId_userId: { projectId: hidden.id, userId: bob.user.id } },
      data: { role: "manager" },
    });
    const managed = await patch(bob, secret.body.id, { description: "manager edit" });
    expect(managed.status).toBe(200);
    expect(managed.body.description).toBe("manager edit");
  });

  it("filters by projectId (hub + that project's + mine), scope and search", async () => {
    const beta = (await post<{ id: string }>(bob, "/api/v1/projects", { name: "beta" })).body;
    const inBeta = await createTemplate(bob, { name: "Beta only", scope: "project", projectId: beta.id });
    const inAlpha = await createTemplate(alice, { name: "Alpha only", scope: "project", projectId: alpha.id });
    const forAlpha = await list(alice, `?projectId=${alpha.id}`);
    const ids = forAlpha.map((x) => x.id);
    expect(ids).toContain(inAlpha.body.id);
    expect(ids).not.toContain(inBeta.body.id);
    expect(forAlpha.some((x) => x.scope === "hub")).toBe(true);
    expect(forAlpha.every((x) => x.scope !== "user" || x.userId === alice.user.id)).toBe(true);
    expect(forAlpha.every((x) => x.scope !== "project" || x.projectId === alpha.id)).toBe(true);

    expect((await list(alice, "?scope=hub")).every((x) => x.scope === "hub")).toBe(true);
    expect((await list(alice, "?search=BETA")).map((x) => x.id)).toEqual([inBeta.body.id]);
  });
});

describe("slugs", () => {
  it("clash within a scope (409 naming the slug and the scope) but not across scopes or owners", async () => {
    expect((await createTemplate(alice, { name: "Reviewer" })).status).toBe(201);
    const again = await createTemplate(alice, { name: "reviewer!" });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("conflict");
    expect(again.body.error.message).toBe("A template called reviewer already exists in your personal scope.");

    expect((await createTemplate(bob, { name: "Reviewer" })).status).toBe(201);
    expect((await createTemplate(alice, { name: "Reviewer", scope: "project", projectId: alpha.id })).status).toBe(201);
    const inProject = await createTemplate(alice, { name: "Reviewer", scope: "project", projectId: alpha.id });
    expect(inProject.status).toBe(409);
    expect(inProject.body.error.message).toBe("A template called reviewer already exists in project alpha.");

    // A rename onto a taken slug clashes too.
    const other = await createTemplate(alice, { name: "Writer" });
    const renamed = await patch(alice, other.body.id, { slug: "reviewer" });
    expect(renamed.status).toBe(409);
    expect(renamed.body.error.message).toContain("reviewer");
  });

  it("simultaneous creates of one slug: exactly one wins, the others get the same 409 (the unique index)", async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => createTemplate(bob, { name: "Racer", slug: "racer" })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    for (const a of answers.filter((a) => a.status === 409))
      expect(a.body.error.message).toBe("A template called racer already exists in your personal scope.");
    expect(await t.hub.runtime.prisma.template.count({ where: { slug: "racer", userId: bob.user.id } })).toBe(1);
  });
});

describe("the database's own guards", () => {
  it("are recognised: a duplicate slug past the look-up is a unique violation, deleting a project's default a foreign-key one", async () => {
    const { prisma } = t.hub.runtime;
    const data = {
      slug: "guarded",
      name: "g",
      scope: "user" as const,
      userId: bob.user.id,
      harness: "shell",
      createdBy: "test",
    };
    const first = await prisma.template.create({ data });
    const duplicate = await prisma.template.create({ data }).catch((err: unknown) => err);
    expect(isUniqueViolation(duplicate)).toBe(true);
    expect(isForeignKeyViolation(duplicate)).toBe(false);

    const project = await prisma.project.create({
      data: { slug: "guard", name: "guard", defaultTemplateId: first.id },
    });
    const blocked = await prisma.template.delete({ where: { id: first.id } }).catch((err: unknown) => err);
    expect(isForeignKeyViolation(blocked)).toBe(true);
    expect(isUniqueViolation(blocked)).toBe(false);
    await prisma.project.delete({ where: { id: project.id } });
    await prisma.template.delete({ where: { id: first.id } });
  });
});

describe("clone", () => {
  it("copies into another scope the caller may write, keeps the values, and clashes by slug in the target scope", async () => {
    const source = await createTemplate(alice, {
      name: "Doc writer",
      task: "Write the docs",
      instructions: "Use short sentences.",
      env: { STYLE: "plain" },
      secrets: ["DOCS_TOKEN"],
      limits: { maxTurns: 7 },
      files: [{ path: "docs/STYLE.md", content: "# Style", target: "workspace" }],
    });
    const cloned = await post(alice, `/api/v1/templates/${source.body.id}/clone`, {
      name: "Doc writer",
      scope: "project",
      projectId: alpha.id,
    });
    expect(cloned.status).toBe(201);
    expect(cloned.body).toMatchObject({
      slug: "doc-writer",
      scope: "project",
      projectId: alpha.id,
      userId: null,
      builtIn: false,
      task: "Write the docs",
      instructions: "Use short sentences.",
      env: { STYLE: "plain" },
      secrets: ["DOCS_TOKEN"],
      limits: { maxTurns: 7 },
      files: [{ path: "docs/STYLE.md", content: "# Style", target: "workspace" }],
    });
    expect(cloned.body.id).not.toBe(source.body.id);
    const twice = await post(alice, `/api/v1/templates/${source.body.id}/clone`, {
      name: "Doc writer",
      scope: "project",
      projectId: alpha.id,
    });
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toContain("project alpha");
    // Bob sees the project copy but may not clone into alpha (not a manager) nor into the hub scope.
    expect(
      (
        await post(bob, `/api/v1/templates/${cloned.body.id}/clone`, {
          name: "x",
          scope: "project",
          projectId: alpha.id,
        })
      ).status,
    ).toBe(403);
    expect((await post(bob, `/api/v1/templates/${cloned.body.id}/clone`, { name: "x", scope: "hub" })).status).toBe(
      403,
    );
    expect((await post(bob, `/api/v1/templates/${cloned.body.id}/clone`, { name: "Bob docs" })).body.scope).toBe(
      "user",
    );
  });
});

describe("delete", () => {
  it("is refused while a project uses the template as its default (409 naming the project), then allowed", async () => {
    const { prisma } = t.hub.runtime;
    const template = await createTemplate(alice, { name: "Alpha default", scope: "project", projectId: alpha.id });
    await prisma.project.update({ where: { id: alpha.id }, data: { defaultTemplateId: template.body.id } });
    const refused = await remove(alice, template.body.id);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("alpha");
    expect(refused.body.error.details).toEqual({ projects: [{ id: alpha.id, slug: "alpha" }] });
    expect((await call(alice, `/api/v1/templates/${template.body.id}`)).status).toBe(200);

    await prisma.project.update({ where: { id: alpha.id }, data: { defaultTemplateId: null } });
    expect((await remove(alice, template.body.id)).status).toBe(204);
    expect((await call(alice, `/api/v1/templates/${template.body.id}`)).status).toBe(404);
  });

  it("of a project is refused while its template is another project's default or its harness config is used elsewhere (409 naming them), then takes its set-up with it", async () => {
    const { prisma } = t.hub.runtime;
    const beta = (await post<{ id: string; slug: string }>(alice, "/api/v1/projects", { name: "gamma" })).body;
    const shared = await createTemplate(alice, { name: "Gamma shared", scope: "project", projectId: beta.id });
    const config = await post<{ id: string }>(alice, "/api/v1/harness-configs", {
      name: "Gamma config",
      harness: "shell",
      scope: "project",
      projectId: beta.id,
    });
    expect([shared.status, config.status], JSON.stringify([shared.body, config.body])).toEqual([201, 201]);
    await prisma.project.update({ where: { id: alpha.id }, data: { defaultTemplateId: shared.body.id } });
    const removeBeta = () => call(alice, `/api/v1/projects/${beta.id}`, { method: "DELETE" });
    const byDefault = await removeBeta();
    expect(byDefault.status).toBe(409);
    expect(byDefault.body.error.message).toContain("alpha (gamma-shared)");
    expect(byDefault.body.error.details).toEqual({
      projects: [{ id: alpha.id, slug: "alpha", template: "gamma-shared" }],
    });
    await prisma.project.update({ where: { id: alpha.id }, data: { defaultTemplateId: null } });

    const user = await createTemplate(alice, {
      name: "Uses gamma config",
      harness: undefined,
      harnessConfigId: config.body.id,
    });
    expect(user.status).toBe(201);
    const byConfig = await removeBeta();
    expect(byConfig.status).toBe(409);
    expect(byConfig.body.error.message).toContain("uses-gamma-config (gamma-config)");
    expect((await call(alice, `/api/v1/projects/${beta.id}`)).status).toBe(200);

    expect((await remove(alice, user.body.id)).status).toBe(204);
    expect((await removeBeta()).status).toBe(204);
    expect(await prisma.template.count({ where: { projectId: beta.id } })).toBe(0);
    expect(await prisma.harnessConfig.count({ where: { projectId: beta.id } })).toBe(0);
  });
});

describe("validation", () => {
  const file = (path: string, bytes = 10, target = "workspace") => ({ path, content: "x".repeat(bytes), target });
  it.each([
    ["more than 20 files", { files: Array.from({ length: 21 }, (_, i) => file(`f${i}.txt`)) }, "files"],
    ["a file over 64 KiB", { files: [file("big.txt", 64 * 1024 + 1)] }, "files.0.content"],
    ["files over 256 KiB together", { files: Array.from({ length: 5 }, (_, i) => file(`f${i}`, 60 * 1024)) }, "files"],
    ["a path with ..", { files: [file("../escape")] }, "files.0.path"],
    ["an absolute path", { files: [file("/etc/passwd")] }, "files.0.path"],
    ["a path into .git", { files: [file(".git/hooks/post-checkout")] }, "files.0.path"],
    ["the same path twice", { files: [file("a"), file("a")] }, "files"],
    ["a system prompt for Codex", { harness: "codex", systemPrompt: "Be brief." }, "systemPrompt"],
    ["neither harness nor config", { harness: undefined }, "harness"],
    ["a bad secret name", { secrets: ["no spaces"] }, "secrets.0"],
  ])("refuses %s (400 naming the field)", async (_label, fields, path) => {
    const res = await createTemplate(alice, { name: `bad ${path}`, ...fields });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_error");
    expect((res.body.error.details as Array<{ path: string }>).map((d) => d.path)).toContain(path);
  });

  it("accepts 20 files of 12 KiB in HOME and workspace", async () => {
    const files = Array.from({ length: 20 }, (_, i) => file(`dir/f${i}.md`, 12 * 1024, i % 2 ? "home" : "workspace"));
    expect((await createTemplate(alice, { name: "Many files", files })).status).toBe(201);
  });
});

describe("agents from templates", () => {
  let config: { id: string };
  let template: TemplateJson;

  beforeAll(async () => {
    config = (
      await post<{ id: string }>(alice, "/api/v1/harness-configs", {
        name: "Claude tuned",
        scope: "user",
        harness: "claude",
        model: "claude-config-model",
        settings: { theme: "dark", includeCoAuthoredBy: false },
        env: { FROM_CONFIG: "value-from-config", SHARED: "value-from-config" },
      })
    ).body;
    template = (
      await createTemplate(alice, {
        name: "Tuned agent",
        harness: undefined,
        harnessConfigId: config.id,
        model: "claude-template-model",
        task: "template task",
        instructions: "# House rules\nTest everything.",
        systemPrompt: "You are terse.",
        env: { SHARED: "value-from-template", FROM_TEMPLATE: "value-from-template", OVERRIDDEN: "value-from-template" },
        limits: { maxTurns: 10, maxDurationMinutes: 60 },
        image: "registry.example.com/agents/claude:1.2",
        files: [
          { path: "docs/NOTES.md", content: "notes", target: "workspace" },
          { path: ".config/tool.json", content: "{}", target: "home" },
        ],
      })
    ).body;
    await post(alice, "/api/v1/secrets", { name: "ANTHROPIC_API_KEY", value: "sk-ant-test", scope: "user" });
  });

  const createAgent = (user: TestUser, json: Record<string, unknown>) =>
    post<AgentJson>(user, "/api/v1/agents", { projectId: alpha.id, ...json });

  it("applies the template and its harness config under the request's own fields, and names the template", async () => {
    const res = await createAgent(alice, {
      name: "from-template",
      templateId: template.id,
      task: "my own task",
      env: { OVERRIDDEN: "request" },
      limits: { maxTurns: 3 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      harness: "claude",
      model: "claude-template-model",
      task: "my own task",
      limits: { maxTurns: 3, maxDurationMinutes: 60 },
      templateId: template.id,
      template: { id: template.id, slug: "tuned-agent", name: "Tuned agent" },
    });
    const row = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: res.body.id } });
    expect(openAgentEnv(t.hub.runtime.sessionSecret, row)).toEqual({
      FROM_CONFIG: "value-from-config",
      SHARED: "value-from-template",
      FROM_TEMPLATE: "value-from-template",
      OVERRIDDEN: "request",
    });
    // The snapshot holds env keys and secret names, never values.
    expect(JSON.stringify(row.templateSnapshot)).not.toContain("value-from-");
    const snapshot = row.templateSnapshot as { envKeys: string[]; harnessConfig: { envKeys: string[] } };
    expect(snapshot.envKeys.sort()).toEqual(["FROM_TEMPLATE", "OVERRIDDEN", "SHARED"]);
    expect(snapshot.harnessConfig.envKeys.sort()).toEqual(["FROM_CONFIG", "SHARED"]);

    // A harness and model of the request's own win; the config's settings then no longer apply.
    const shell = await createAgent(alice, {
      name: "overridden",
      templateId: template.id,
      harness: "shell",
      model: "m1",
    });
    expect(shell.body).toMatchObject({ harness: "shell", model: "m1", task: "template task" });
  });

  it("uses the project's default template unless the request names one or says null; another's personal template is not found", async () => {
    const { prisma } = t.hub.runtime;
    const projectTemplate = await createTemplate(alice, {
      name: "Alpha standard",
      scope: "project",
      projectId: alpha.id,
      task: "default task",
    });
    await prisma.project.update({ where: { id: alpha.id }, data: { defaultTemplateId: projectTemplate.body.id } });
    try {
      const byDefault = await createAgent(bob, { name: "by-default" });
      expect(byDefault.status).toBe(201);
      expect(byDefault.body).toMatchObject({ templateId: projectTemplate.body.id, task: "default task" });
      const none = await createAgent(bob, { name: "no-template", templateId: null });
      expect(none.body).toMatchObject({ templateId: null, template: null, harness: "shell", task: null });
      const foreign = await createAgent(bob, { name: "foreign", templateId: template.id });
      expect(foreign.status).toBe(404);
    } finally {
      await prisma.project.update({ where: { id: alpha.id }, data: { defaultTemplateId: null } });
    }
  });

  it("keeps the snapshot when the template changes or is deleted: the agent still names what it was created from", async () => {
    const doomed = await createTemplate(alice, { name: "Short lived", task: "t" });
    const agent = await createAgent(alice, { name: "survivor", templateId: doomed.body.id });
    expect(agent.body.template).toEqual({ id: doomed.body.id, slug: "short-lived", name: "Short lived" });
    expect((await patch(alice, doomed.body.id, { name: "Renamed" })).status).toBe(200);
    expect((await remove(alice, doomed.body.id)).status).toBe(204);
    const after = await call<AgentJson>(alice, `/api/v1/agents/${agent.body.id}`);
    expect(after.status).toBe(200);
    expect(after.body.templateId).toBe(doomed.body.id);
    expect(after.body.template).toEqual({ id: doomed.body.id, slug: "short-lived", name: "Short lived" });
  });

  it("refuses a start while secrets the template names are missing from the store (422 naming them), creating nothing", async () => {
    const needy = await createTemplate(alice, { name: "Needy", secrets: ["DEPLOY_KEY", "NPM_TOKEN"] });
    const before = await t.hub.runtime.prisma.agent.count();
    const refused = await createAgent(alice, { name: "needy-1", templateId: needy.body.id, start: true });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("missing_credentials");
    expect(refused.body.error.message).toContain("DEPLOY_KEY, NPM_TOKEN");
    expect(refused.body.error.details).toEqual({ secrets: ["DEPLOY_KEY", "NPM_TOKEN"] });
    expect(await t.hub.runtime.prisma.agent.count()).toBe(before);

    await post(alice, "/api/v1/secrets", { name: "NPM_TOKEN", value: "npm-x", scope: "user" });
    const still = await createAgent(alice, { name: "needy-2", templateId: needy.body.id, start: true });
    expect(still.status).toBe(422);
    expect(still.body.error.details).toEqual({ secrets: ["DEPLOY_KEY"] });

    // Created without starting, then started: the same refusal at start.
    const created = await createAgent(alice, { name: "needy-3", templateId: needy.body.id });
    expect(created.status).toBe(201);
    const start = await call(alice, `/api/v1/agents/${created.body.id}/start`, { method: "POST" });
    expect(start.status).toBe(422);
    expect((start.body.error.details as { secrets: string[] }).secrets).toEqual(["DEPLOY_KEY"]);

    await post(alice, "/api/v1/secrets", { name: "DEPLOY_KEY", value: "dk", scope: "project", projectId: alpha.id });
    const started = await call<AgentJson>(alice, `/api/v1/agents/${created.body.id}/start`, { method: "POST" });
    expect(started.status).toBe(200);
  });

  it("hands the broker the template's instructions, system prompt, harness settings, files and image at start, and the project's env under the agent's", async () => {
    brokerCalls.length = 0;
    const patched = await call(alice, `/api/v1/projects/${alpha.id}`, {
      method: "PATCH",
      json: { env: { PROJECT_ONLY: "from-project", SHARED: "value-from-project" } },
    });
    expect(patched.status).toBe(200);
    const res = await createAgent(alice, { name: "started", templateId: template.id, start: true });
    expect(res.status).toBe(201);
    const start = brokerCalls.find((c) => c.op === "agent.start" && c.args.agentId === res.body.id)!;
    expect(start.args).toMatchObject({
      harness: "claude",
      model: "claude-template-model",
      task: "template task",
      instructions: "# House rules\nTest everything.",
      systemPrompt: "You are terse.",
      harnessSettings: { theme: "dark", includeCoAuthoredBy: false },
      files: [
        { path: "docs/NOTES.md", content: "notes", target: "workspace" },
        { path: ".config/tool.json", content: "{}", target: "home" },
      ],
      image: "registry.example.com/agents/claude:1.2",
    });
    // The project's env as it is at start, under the template's and the request's.
    expect(start.args.env).toMatchObject({
      PROJECT_ONLY: "from-project",
      SHARED: "value-from-template",
      FROM_CONFIG: "value-from-config",
    });
    // Without a template the start carries none of these.
    brokerCalls.length = 0;
    const plain = await createAgent(alice, { name: "plain", templateId: null, start: true });
    const plainStart = brokerCalls.find((c) => c.op === "agent.start" && c.args.agentId === plain.body.id)!;
    for (const key of ["instructions", "systemPrompt", "harnessSettings", "files", "image"])
      expect(plainStart.args).not.toHaveProperty(key);
    expect(plainStart.args.env).toMatchObject({ PROJECT_ONLY: "from-project", SHARED: "value-from-project" });
    await call(alice, `/api/v1/projects/${alpha.id}`, { method: "PATCH", json: { env: {} } });
  });
});
