import { execFile, execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentUsers } from "../../broker/agent-users";
import { LocalRuntime } from "../../broker/runtimes/local-runtime";
import { ProjectWorkspaces } from "../../broker/workspace";
import { serveGitRepo, type GitServer } from "../git-server";
import { captureLogger } from "../silent-logger";

/**
 * What a shared clone saves: the 1st agent of a project gets its workspace by making the shared
 * clone (the whole history crosses the network), every later one by a fetch that finds nothing new,
 * then a repository of its own that borrows the clone's objects, and a checkout. The remote has a
 * few hundred commits of history, as real ones do. What is asserted is what crossed the network
 * (bytes the git server sent), which does not depend on the machine's load; the times are printed
 * as figures. Agents here run as the broker's user: the figures are git's, not useradd's.
 */
const AGENTS = 100;
const HISTORY = 300;
let dataDir: string;
let server: GitServer;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-ws-figures-"));
  server = await serveGitRepo({ files: { "README.md": "figures\n" }, smart: true });
  // History: HISTORY commits, each rewriting a 32 KiB file of random bytes (about 10 MB of pack).
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "scion-ws-history-"));
  const env = {
    ...process.env,
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: "h",
    GIT_AUTHOR_EMAIL: "h@e",
    GIT_COMMITTER_NAME: "h",
    GIT_COMMITTER_EMAIL: "h@e",
  };
  // Asynchronously when it talks to the git server, which runs in this process.
  const git = (...args: string[]) => promisify(execFile)("git", args, { cwd: scratch, env });
  await git("clone", "-q", server.url, ".");
  const stream: string[] = [];
  for (let i = 0; i < HISTORY; i++) {
    const blob = crypto.randomBytes(32 * 1024).toString("base64");
    stream.push(
      `commit refs/heads/main\ncommitter h <h@e> ${1_700_000_000 + i} +0000\ndata 4\nc${String(i).padStart(3, "0")}\n` +
        (i === 0 ? "from refs/heads/main^0\n" : "") +
        `M 644 inline data.txt\ndata ${Buffer.byteLength(blob)}\n${blob}\n`,
    );
  }
  execFileSync("git", ["fast-import", "--quiet"], { cwd: scratch, env, input: stream.join("") });
  await git("push", "-q", "origin", "main");
  fs.rmSync(scratch, { recursive: true, force: true });
}, 120_000);
afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("workspace figures", () => {
  it(`the ${AGENTS}th agent of a project gets its workspace without the history crossing the network again`, async () => {
    const runtime = new LocalRuntime(dataDir, undefined, { users: new AgentUsers(captureLogger().logger, false) });
    const workspaces = new ProjectWorkspaces(dataDir);
    const projectId = crypto.randomUUID();
    const times: number[] = [];
    const bytes: number[] = [];
    for (let n = 1; n <= AGENTS; n++) {
      const id = crypto.randomUUID();
      await runtime.prepare(id);
      const servedBefore = server.served();
      const began = performance.now();
      await workspaces.prepare(
        runtime,
        id,
        { remote: server.url, projectId, branch: `scion/agent-${n}` },
        { allowPrivate: true },
      );
      times.push(performance.now() - began);
      bytes.push(server.served() - servedBefore);
      expect(fs.existsSync(path.join(runtime.workspaceOf(id), "data.txt"))).toBe(true);
    }
    // For comparison: a clone of its own per agent (what each agent did before shared clones).
    const own = fs.mkdtempSync(path.join(os.tmpdir(), "scion-ws-own-"));
    const servedBefore = server.served();
    const began = performance.now();
    await promisify(execFile)("git", ["clone", "-q", server.url, path.join(own, "w")], {
      env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null" },
    });
    const ownClone = performance.now() - began;
    const ownBytes = server.served() - servedBefore;
    fs.rmSync(own, { recursive: true, force: true });

    const sorted = [...times.slice(1)].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const first = times[0]!;
    const hundredth = times[AGENTS - 1]!;
    const pack = execFileSync("git", ["-C", workspaces.sharedCloneOf(projectId), "count-objects", "-vH"])
      .toString()
      .match(/size-pack: (.*)/)?.[1];
    console.log(
      `workspace figures: 1st agent ${first.toFixed(0)} ms (shared clone made, ${HISTORY} commits, pack ${pack}), ` +
        `${AGENTS}th ${hundredth.toFixed(0)} ms, median of 2nd-${AGENTS}th ${median.toFixed(0)} ms; ` +
        `a clone of its own per agent ${ownClone.toFixed(0)} ms`,
    );
    const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    console.log(
      `workspace figures: served to the 1st agent ${kib(bytes[0]!)}, at most ${kib(Math.max(...bytes.slice(1)))} to each later one; ${kib(ownBytes)} to a clone of its own`,
    );
    // The 1st agent's workspace brought the history (about 10 MB of pack); no later one did.
    expect(bytes[0]!).toBeGreaterThan(5 * 1024 * 1024);
    expect(ownBytes).toBeGreaterThan(5 * 1024 * 1024);
    expect(Math.max(...bytes.slice(1))).toBeLessThan(64 * 1024);
    // Still one shared clone, and each workspace borrows it rather than copying its objects.
    expect(fs.readdirSync(path.join(dataDir, "repos")).filter((n) => n.endsWith(".git"))).toHaveLength(1);
  }, 300_000);
});
