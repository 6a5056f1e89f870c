import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalRuntime } from "../../broker/runtimes/local-runtime";
import { GIT_TOKEN_USER, ProjectWorkspaces } from "../../broker/workspace";
import type { AgentJson } from "../../lib/agents/schemas";
import { serveGitRepo, type GitServer } from "../git-server";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { until } from "../until";

/**
 * Agents' git workspaces through the API and the local broker: each agent on its own branch
 * (scion/<slug>, or the one it was created with) of its project's shared clone, the project's git
 * token offered to git through askpass (the agent's own push included), the short git status
 * from the broker, and delete with and without keepBranch.
 */
let t: TestHub;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;
let server: GitServer;
let projectId: string;
let runtime: LocalRuntime;
let workspaces: ProjectWorkspaces;
const token = `ghp_${crypto.randomBytes(18).toString("hex")}`;

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;
type ApiAgent = AgentJson & { error?: { code: string; message: string } };

beforeAll(async () => {
  t = await startTestHub(
    { SCION_LOCAL_BROKER: "true", SCION_ALLOW_PRIVATE_GIT_REMOTES: "true" },
    { localBroker: true },
  );
  [alice, bob, admin] = await Promise.all([t.createUser(), t.createUser(), t.createUser({ role: "admin" })]);
  server = await serveGitRepo({
    files: { "README.md": "agent git\n" },
    smart: true,
    password: token,
    user: GIT_TOKEN_USER,
  });
  projectId = (
    await json<{ id: string }>(
      await alice.request("/api/v1/projects", { method: "POST", json: { name: "gitproj", gitRemote: server.url } }),
    )
  ).id;
  expect(
    (
      await alice.request("/api/v1/secrets", {
        method: "POST",
        json: { name: "REPO_TOKEN", value: token, scope: "project", projectId },
      })
    ).status,
  ).toBe(201);
  await t.hub.runtime.prisma.project.update({ where: { id: projectId }, data: { gitTokenSecret: "REPO_TOKEN" } });
  await until(
    async () =>
      (await json<{ items: Array<{ status: string }> }>(await admin.request("/api/v1/runtime-brokers"))).items.some(
        (b) => b.status === "online",
      ),
    "the local broker to come online",
    60_000,
  );
  runtime = new LocalRuntime(path.join(t.dataDir, "broker"));
  workspaces = new ProjectWorkspaces(path.join(t.dataDir, "broker"));
}, 120_000);
afterAll(async () => {
  await t?.close();
  await server?.close();
});

async function create(name: string, body: Record<string, unknown> = {}, project = projectId) {
  const res = await alice.request("/api/v1/agents", {
    method: "POST",
    json: { projectId: project, name, harness: "generic", command: "exec cat", start: true, ...body },
  });
  return { status: res.status, agent: await json<ApiAgent>(res) };
}

const gitStatus = async (id: string, user = alice) => {
  const res = await user.request(`/api/v1/agents/${id}/git`);
  return { status: res.status, body: await json<Record<string, unknown> & { error?: { code: string } }>(res) };
};

function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n));
    else if (st.isFile() && fs.readFileSync(p).includes(needle)) found.push(p);
  };
  walk(dir);
  return found;
}

describe("agents' git workspaces through the API", () => {
  it("an agent works on scion/<slug> from the default branch; its commits are the owner's and its push goes through askpass", async () => {
    const before = server.authorized();
    const script =
      "env > $HOME/env.txt && echo pushed-work > work.txt && git add work.txt && git commit -q -m 'agent work' && git push -q origin HEAD && echo PUSHED=$GIT_ASKPASS; exec cat";
    const { status, agent } = await create("Pusher", { command: script });
    expect(status).toBe(201);
    expect(agent).toMatchObject({ phase: "running", branch: "scion/pusher", baseBranch: "main" });
    // The broker fetched with the token; the agent's own push did too.
    await until(
      () =>
        execFileSync("git", ["-C", server.repo, "branch", "--list", "scion/pusher"]).toString() ? true : undefined,
      "the agent's push",
    );
    expect(server.authorized()).toBeGreaterThan(before);
    const pushed = execFileSync("git", ["-C", server.repo, "log", "-1", "--format=%s|%an|%ae", "scion/pusher"])
      .toString()
      .trim();
    expect(pushed).toBe(`agent work|${alice.user.name}|${alice.user.email}`);
    // The token is in no file of the workspace (.git included), nor in its config or remote URL.
    const ws = runtime.workspaceOf(agent.id);
    expect(filesContaining(ws, token)).toEqual([]);
    // Nor in the agent's environment: the project secret named as the git token goes to askpass only.
    const envDump = fs.readFileSync(path.join(runtime.homeOf(agent.id), "env.txt"), "utf8");
    expect(envDump).toContain(`SCION_AGENT_ID=${agent.id}`);
    expect(envDump).not.toContain(token);
    expect(
      execFileSync("git", ["config", "--file", path.join(ws, ".git", "config"), "remote.origin.url"]).toString(),
    ).toBe(`${server.url}\n`);
    // The short git status through the broker: one commit ahead of main, clean.
    expect(await gitStatus(agent.id)).toEqual({
      status: 200,
      body: { branch: "scion/pusher", baseBranch: "main", ahead: 1, behind: 0, changedFiles: 0, clean: true },
    });
    const row = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: agent.id } });
    expect(row).toMatchObject({ branch: "scion/pusher", baseBranch: "main" });
  }, 60_000);

  it("git status counts changed files; someone who cannot see the agent gets 404; no git workspace is 409", async () => {
    const { agent } = await create("Editor", { branch: "feature/edit" });
    expect(agent).toMatchObject({ phase: "running", branch: "feature/edit", baseBranch: "main" });
    const ws = runtime.workspaceOf(agent.id);
    const owner = runtime.fileOwner(agent.id);
    for (const [name, text] of [
      ["README.md", "edited\n"],
      ["new.txt", "new\n"],
    ] as const) {
      fs.writeFileSync(path.join(ws, name), text);
      if (owner) fs.chownSync(path.join(ws, name), owner.uid, owner.gid);
    }
    expect((await gitStatus(agent.id)).body).toEqual({
      branch: "feature/edit",
      baseBranch: "main",
      ahead: 0,
      behind: 0,
      changedFiles: 2,
      clean: false,
    });
    expect((await gitStatus(agent.id, bob)).status).toBe(404);
    expect((await gitStatus(agent.id, admin)).status).toBe(200);

    const plain = await json<{ id: string }>(
      await alice.request("/api/v1/projects", { method: "POST", json: { name: "no-remote" } }),
    );
    const { agent: bare } = await create("Plain", {}, plain.id);
    expect(bare).toMatchObject({ phase: "running", branch: null, baseBranch: null });
    const none = await gitStatus(bare.id);
    expect(none.status).toBe(409);
    expect(none.body.error?.code).toBe("conflict");

    const bad = await alice.request("/api/v1/agents", {
      method: "POST",
      json: { projectId, name: "Bad", harness: "generic", command: "exec cat", branch: "bad..name" },
    });
    expect(bad.status).toBe(400);
  }, 60_000);

  it("delete removes the workspace and the branch; ?keepBranch=true keeps it in the shared clone", async () => {
    const shared = workspaces.sharedCloneOf(projectId);
    const refs = () => execFileSync("git", ["-C", shared, "for-each-ref", "--format=%(refname)"]).toString();
    const commit = "echo kept > kept.txt && git add . && git commit -q -m kept && echo COMMITTED; exec cat";

    const { agent: dropped } = await create("Dropped", { command: commit });
    await until(
      () => (fs.existsSync(path.join(runtime.workspaceOf(dropped.id), "kept.txt")) ? true : undefined),
      "a file",
    );
    expect((await alice.request(`/api/v1/agents/${dropped.id}`, { method: "DELETE" })).status).toBe(204);
    expect(fs.existsSync(runtime.workspaceOf(dropped.id))).toBe(false);
    expect(refs()).not.toContain("scion/dropped");

    const { agent: kept } = await create("Keeper", { command: commit });
    const sha = await until(async () => {
      const status = await gitStatus(kept.id);
      return status.body.ahead === 1 ? status : undefined;
    }, "the agent's commit");
    expect(sha.body).toMatchObject({ branch: "scion/keeper", clean: true });
    expect((await alice.request(`/api/v1/agents/${kept.id}?keepBranch=true`, { method: "DELETE" })).status).toBe(204);
    expect(fs.existsSync(runtime.workspaceOf(kept.id))).toBe(false);
    expect(refs()).toContain("refs/scion-kept/scion/keeper");
    expect(
      execFileSync("git", ["-C", shared, "log", "-1", "--format=%s", "refs/scion-kept/scion/keeper"]).toString(),
    ).toBe("kept\n");
    // A new agent given the kept branch picks up where it was left.
    const { agent: again } = await create("Again", { branch: "scion/keeper" });
    expect(again.phase).toBe("running");
    expect(fs.readFileSync(path.join(runtime.workspaceOf(again.id), "kept.txt"), "utf8")).toBe("kept\n");
  }, 90_000);

  it("a project git token the project does not have refuses the start (422 missing_credentials), before anything changes", async () => {
    const other = await json<{ id: string }>(
      await alice.request("/api/v1/projects", { method: "POST", json: { name: "tokenless", gitRemote: server.url } }),
    );
    await t.hub.runtime.prisma.project.update({ where: { id: other.id }, data: { gitTokenSecret: "NOPE" } });
    const created = await create("Tokenless", { start: false }, other.id);
    expect(created.status).toBe(201);
    const res = await alice.request(`/api/v1/agents/${created.agent.id}/start`, { method: "POST" });
    expect(res.status).toBe(422);
    const body = await json<{ error: { code: string; message: string } }>(res);
    expect(body.error.code).toBe("missing_credentials");
    expect(body.error.message).toContain("NOPE");
    const row = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: created.agent.id } });
    expect(row.phase).toBe("created");
    // Created with start: refused before the agent is written.
    const count = await t.hub.runtime.prisma.agent.count({ where: { projectId: other.id } });
    expect((await create("Tokenless two", {}, other.id)).status).toBe(422);
    expect(await t.hub.runtime.prisma.agent.count({ where: { projectId: other.id } })).toBe(count);
  }, 60_000);
});
