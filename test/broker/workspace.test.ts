import { execFile, execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalRuntime } from "../../broker/runtimes/local-runtime";
import { GIT_TOKEN_USER, ProjectWorkspaces } from "../../broker/workspace";
import { serveGitRepo, type GitServer } from "../git-server";

/**
 * Agents' git workspaces on the local runtime, as the broker makes them: one shared clone per
 * project, a repository of each agent's own (its user's, when the broker is root) on its own
 * branch, borrowing the shared clone's objects.
 */
let dataDir: string;
let runtime: LocalRuntime;
let workspaces: ProjectWorkspaces;
let server: GitServer;
const made: string[] = [];
const author = { name: "Alice Example", email: "alice@example.com" };

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-ws-"));
  runtime = new LocalRuntime(dataDir);
  workspaces = new ProjectWorkspaces(dataDir);
  server = await serveGitRepo({ files: { "README.md": "hello\n" }, smart: true });
});
afterAll(async () => {
  for (const id of made) await runtime.remove(id).catch(() => undefined);
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

async function newAgent(
  projectId: string,
  spec: { branch?: string; gitToken?: string; remote?: string } = {},
): Promise<{ id: string; ws: string; result: { branch: string; baseBranch: string } }> {
  const id = crypto.randomUUID();
  made.push(id);
  await runtime.prepare(id);
  const result = await workspaces.prepare(
    runtime,
    id,
    { remote: spec.remote ?? server.url, projectId, branch: spec.branch ?? null, gitToken: spec.gitToken, author },
    { allowPrivate: true },
  );
  return { id, ws: runtime.workspaceOf(id), result };
}

/** Writes a file into the agent's workspace as the agent would (its owner). */
function writeAs(id: string, name: string, text: string): void {
  const file = path.join(runtime.workspaceOf(id), name);
  fs.writeFileSync(file, text);
  const owner = runtime.fileOwner(id);
  if (owner) fs.chownSync(file, owner.uid, owner.gid);
}

const git = (id: string, ...args: string[]) => runtime.runGit(id, ["-C", runtime.workspaceOf(id), ...args]);
const sharedClones = () => fs.readdirSync(path.join(dataDir, "repos")).filter((n) => n.endsWith(".git"));

/** Every file under `dir` (.git included) whose bytes contain `needle`. */
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

describe("agents' git workspaces", () => {
  it("two agents of one project share one clone, get workspaces and branches of their own, and see none of each other's commits", async () => {
    const projectId = crypto.randomUUID();
    const a = await newAgent(projectId, { branch: "scion/a" });
    const b = await newAgent(projectId, { branch: "scion/b" });
    expect(a.result).toEqual({ branch: "scion/a", baseBranch: "main" });
    expect(b.result).toEqual({ branch: "scion/b", baseBranch: "main" });
    expect(sharedClones()).toHaveLength(1);
    const shared = path.join(dataDir, "repos", sharedClones()[0]!);
    for (const { ws } of [a, b]) {
      expect(fs.readFileSync(path.join(ws, "README.md"), "utf8")).toBe("hello\n");
      expect(fs.readFileSync(path.join(ws, ".git", "objects", "info", "alternates"), "utf8").trim()).toBe(
        path.join(shared, "objects"),
      );
    }
    expect((await git(a.id, "symbolic-ref", "--short", "HEAD")).trim()).toBe("scion/a");
    expect((await git(b.id, "symbolic-ref", "--short", "HEAD")).trim()).toBe("scion/b");
    expect((await git(a.id, "remote", "get-url", "origin")).trim()).toBe(server.url);

    // The workspace and everything in it are the agent's own (its user's when the broker is root).
    const owner = runtime.fileOwner(a.id);
    if (owner) {
      expect(fs.statSync(a.ws)).toMatchObject({ uid: owner.uid });
      expect(fs.statSync(a.ws).mode & 0o777).toBe(0o700);
      expect(fs.statSync(path.join(a.ws, ".git", "config")).uid).toBe(owner.uid);
      expect(fs.statSync(path.join(a.ws, "README.md")).uid).toBe(owner.uid);
      expect(runtime.fileOwner(b.id)!.uid).not.toBe(owner.uid);
    }

    // A commit in a's workspace: by the owner, and nowhere in b's workspace or the shared clone.
    writeAs(a.id, "a.txt", "from a\n");
    await git(a.id, "add", "a.txt");
    await git(a.id, "commit", "-q", "-m", "from a");
    const sha = (await git(a.id, "rev-parse", "HEAD")).trim();
    expect((await git(a.id, "log", "-1", "--format=%an <%ae>|%cn <%ce>")).trim()).toBe(
      "Alice Example <alice@example.com>|Alice Example <alice@example.com>",
    );
    expect(fs.existsSync(path.join(b.ws, "a.txt"))).toBe(false);
    await expect(git(b.id, "cat-file", "-e", sha)).rejects.toThrow();
    expect(await git(b.id, "log", "--all", "--format=%s")).not.toContain("from a");
    expect(() => execFileSync("git", ["-C", shared, "cat-file", "-e", sha], { stdio: "ignore" })).toThrow();

    // The short git status: a is one ahead of main and clean; b has two changed files.
    expect(await workspaces.status(runtime, a.id)).toEqual({
      branch: "scion/a",
      baseBranch: "main",
      ahead: 1,
      behind: 0,
      changedFiles: 0,
      clean: true,
    });
    writeAs(b.id, "README.md", "changed\n");
    writeAs(b.id, "new.txt", "new\n");
    expect(await workspaces.status(runtime, b.id)).toEqual({
      branch: "scion/b",
      baseBranch: "main",
      ahead: 0,
      behind: 0,
      changedFiles: 2,
      clean: false,
    });

    // Someone pushes to main; a third agent gets it (the shared clone is fetched before each new
    // workspace), and a, once its own git fetched, is one behind.
    const upstream = fs.mkdtempSync(path.join(os.tmpdir(), "scion-ws-up-"));
    // Asynchronously: the git server runs in this process.
    const hostGit = (...args: string[]) =>
      promisify(execFile)("git", args, {
        cwd: upstream,
        env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_AUTHOR_NAME: "u", GIT_AUTHOR_EMAIL: "u@e" },
      });
    await hostGit("clone", "-q", server.url, ".");
    fs.writeFileSync(path.join(upstream, "later.txt"), "later\n");
    await hostGit("add", ".");
    await hostGit("-c", "user.name=u", "-c", "user.email=u@e", "commit", "-q", "-m", "later");
    await hostGit("push", "-q", "origin", "main");
    fs.rmSync(upstream, { recursive: true, force: true });
    const c = await newAgent(projectId);
    expect(c.result).toEqual({ branch: "main", baseBranch: "main" });
    expect(fs.readFileSync(path.join(c.ws, "later.txt"), "utf8")).toBe("later\n");
    expect(sharedClones()).toHaveLength(1);
    await git(a.id, "fetch", "-q", "origin");
    expect(await workspaces.status(runtime, a.id)).toMatchObject({ ahead: 1, behind: 1, clean: true });
  }, 60_000);

  it("deleting an agent removes its workspace and branch; keepBranch keeps the branch, and an agent given it starts from it", async () => {
    const projectId = crypto.randomUUID();
    const gone = await newAgent(projectId, { branch: "scion/gone" });
    writeAs(gone.id, "g.txt", "g\n");
    await git(gone.id, "add", ".");
    await git(gone.id, "commit", "-q", "-m", "gone");
    await workspaces.release(runtime, gone.id, { keepBranch: false });
    await runtime.remove(gone.id);
    expect(fs.existsSync(gone.ws)).toBe(false);
    const shared = workspaces.sharedCloneOf(projectId);
    const refs = () => execFileSync("git", ["-C", shared, "for-each-ref", "--format=%(refname)"]).toString();
    expect(refs()).not.toContain("scion/gone");
    expect(await workspaces.status(runtime, gone.id)).toBeUndefined();

    const kept = await newAgent(projectId, { branch: "scion/kept" });
    writeAs(kept.id, "k.txt", "kept work\n");
    await git(kept.id, "add", ".");
    await git(kept.id, "commit", "-q", "-m", "kept work");
    const sha = (await git(kept.id, "rev-parse", "HEAD")).trim();
    await workspaces.release(runtime, kept.id, { keepBranch: true });
    await runtime.remove(kept.id);
    expect(fs.existsSync(kept.ws)).toBe(false);
    expect(refs()).toContain("refs/scion-kept/scion/kept");
    expect(execFileSync("git", ["-C", shared, "rev-parse", "refs/scion-kept/scion/kept"]).toString().trim()).toBe(sha);
    // No bundle or scratch of the keeping is left behind.
    expect(fs.readdirSync(path.join(dataDir, "repos")).filter((n) => n.startsWith(".keep-"))).toEqual([]);

    const again = await newAgent(projectId, { branch: "scion/kept" });
    expect((await git(again.id, "rev-parse", "HEAD")).trim()).toBe(sha);
    expect(fs.readFileSync(path.join(again.ws, "k.txt"), "utf8")).toBe("kept work\n");
    // Deleted without keeping, the kept copy goes too.
    await workspaces.release(runtime, again.id, { keepBranch: false });
    await runtime.remove(again.id);
    expect(refs()).not.toContain("scion/kept");
  }, 60_000);

  it("a git token reaches git through askpass (clone, fetch, the agent's push) and is in no file of the workspace", async () => {
    const token = `tok-${crypto.randomBytes(16).toString("hex")}`;
    const locked = await serveGitRepo({
      files: { "README.md": "private\n" },
      smart: true,
      password: token,
      user: GIT_TOKEN_USER,
    });
    try {
      // Without the token the server refuses, and nothing is left of the workspace.
      const refusedProject = crypto.randomUUID();
      const id = crypto.randomUUID();
      made.push(id);
      await runtime.prepare(id);
      await expect(
        workspaces.prepare(runtime, id, { remote: locked.url, projectId: refusedProject }, { allowPrivate: true }),
      ).rejects.toThrow(/cloning .* failed/);
      expect(fs.existsSync(runtime.workspaceOf(id))).toBe(false);
      expect(locked.authorized()).toBe(0);

      const projectId = crypto.randomUUID();
      const a = await newAgent(projectId, { branch: "scion/t", gitToken: token, remote: locked.url });
      expect(locked.authorized()).toBeGreaterThan(0);
      expect(fs.readFileSync(path.join(a.ws, "README.md"), "utf8")).toBe("private\n");
      // The token is nowhere in the workspace (.git included), nor in the URL, nor left in the broker's repos.
      expect(filesContaining(a.ws, token)).toEqual([]);
      expect((await git(a.id, "config", "--get", "remote.origin.url")).trim()).toBe(locked.url);
      expect(filesContaining(path.join(dataDir, "repos"), token)).toEqual([]);
      // It is in the agent's own token file, outside the workspace, 0600 and the agent's.
      const tokenFile = path.join(runtime.agentDirOf(a.id), "git-token");
      expect(fs.readFileSync(tokenFile, "utf8").trim()).toBe(token);
      expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
      const owner = runtime.fileOwner(a.id);
      if (owner) expect(fs.statSync(tokenFile).uid).toBe(owner.uid);
      expect(workspaces.sessionEnvironment(runtime, a.id)).toEqual({
        GIT_ASKPASS: path.join(runtime.agentDirOf(a.id), "git-askpass"),
      });

      // The agent's own git, as the agent: fetch and push through the askpass helper.
      const before = locked.authorized();
      writeAs(a.id, "work.txt", "work\n");
      await git(a.id, "add", ".");
      await git(a.id, "commit", "-q", "-m", "work");
      await git(a.id, "push", "-q", "origin", "scion/t");
      expect(locked.authorized()).toBeGreaterThan(before);
      expect(
        execFileSync("git", ["-C", locked.repo, "log", "-1", "--format=%s %an", "scion/t"]).toString().trim(),
      ).toBe("work Alice Example");
      expect(filesContaining(a.ws, token)).toEqual([]);
    } finally {
      await locked.close();
    }
  }, 60_000);

  it("five agents of one project starting at once: one shared clone, five workspaces on their own branches", async () => {
    const projectId = crypto.randomUUID();
    const before = sharedClones().length;
    const agents = await Promise.all([1, 2, 3, 4, 5].map((n) => newAgent(projectId, { branch: `scion/p${n}` })));
    expect(sharedClones()).toHaveLength(before + 1);
    expect(agents.map((a) => a.result.branch)).toEqual(["scion/p1", "scion/p2", "scion/p3", "scion/p4", "scion/p5"]);
    for (const a of agents) {
      expect(fs.readFileSync(path.join(a.ws, "README.md"), "utf8")).toBe("hello\n");
      expect(await workspaces.status(runtime, a.id)).toMatchObject({ branch: a.result.branch, clean: true });
    }
    execFileSync("git", ["-C", workspaces.sharedCloneOf(projectId), "fsck", "--no-progress"], { stdio: "pipe" });
  }, 60_000);
});
