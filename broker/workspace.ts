import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { resolveGitRemote } from "../lib/net/git-remote-policy";
import type { AgentRuntime } from "./runtimes/agent-runtime";

const run = promisify(execFile);

/** What the hub asks for in agent.start `workspace`. */
export interface WorkspaceSpec {
  remote: string;
  /** The shared clone's key (one per project); agents of one project share it. */
  projectId?: string | null;
  /** The agent's own branch (`scion/<agent-slug>`); null: the base branch itself. */
  branch?: string | null;
  /** The branch the agent's branch starts from; null: the remote's default branch. */
  baseBranch?: string | null;
  /** Offered to git for https remotes through an askpass helper; never in a URL or the workspace. */
  gitToken?: string | null;
  /** Who the agent's commits are by (its owner). */
  author?: { name: string; email: string } | null;
}

export interface PrepareOptions {
  /** Internal addresses (loopback, private networks, metadata) are refused unless allowed. */
  allowPrivate: boolean;
  /** Called before anything slow (fetching the remote). */
  onCloning?: () => void;
}

export interface GitStatus {
  branch: string;
  baseBranch: string;
  ahead: number;
  behind: number;
  changedFiles: number;
  clean: boolean;
}

/** What the broker records about an agent's workspace (in its own directory: the agent cannot change it). */
interface WorkspaceRecord {
  key: string;
  branch: string;
  baseBranch: string;
}

/** The username git is given with the token (GitHub and GitLab take any with a token; this is GitHub's own). */
export const GIT_TOKEN_USER = "x-access-token";
/** Where remote heads are kept in the shared clone, and where branches kept after an agent's deletion go. */
const KEPT = "refs/scion-kept/";

/**
 * Agents' git workspaces on a broker: one shared clone per project, and per agent a repository of
 * its own that borrows the shared clone's objects, on its own branch.
 *
 * The shared clone, `<data>/repos/<name>.git`, is a bare clone of the project's remote, fetched
 * (as the broker, under a per-project lock) before every new workspace, so the hundredth agent of
 * a project only fetches what changed; it never runs `git gc` (the agents' repositories borrow its
 * objects, which must never be pruned). Its name is a keyed hash of the project id: `<data>/repos`
 * is 0711, so an agent finds its own project's clone (through its repository's alternates) but
 * cannot list or guess another project's.
 *
 * Why not `git worktree`: a worktree shares its repository's object store, refs and reflogs, so
 * every agent would need write access to the shared clone, and could then read every other
 * agent's commits and rewrite or delete their branches. Agents run as users of their own (see
 * AgentUsers), so each agent's repository is its own (0700, the agent's uid): `.git/objects/info/
 * alternates` points at the shared clone's objects (read-only to the agent), and everything the
 * agent writes (commits, branches, index) stays in its workspace. What it can read of the shared
 * clone is what came from the remote, which it may fetch itself. A new workspace costs about what
 * `git worktree add` does: no network, no object copied, refs written and files checked out.
 *
 * The broker never runs git inside an agent's repository (it is the agent's, with config the agent
 * controls): the agent's git runs as the agent (runtime.runGit), the broker only writes three
 * files into the fresh `.git` (alternates, packed-refs, config) with the agent as their owner.
 *
 * Git credentials: the project's token is written to `git-token` (0600, the agent's) in the agent's
 * own directory, next to its hub token and outside the workspace, and read by `git-askpass` there
 * (core.askPass in the repository's config and GIT_ASKPASS in the session): it is never in a URL,
 * in the workspace or in `.git/config`. The broker's own fetches use a token file of its own,
 * removed after each fetch.
 */
export class ProjectWorkspaces {
  private readonly root: string;
  private readonly locks = new Map<string, Promise<unknown>>();
  private key?: Buffer;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, "repos");
  }

  /** The shared clone of a project (or, without a project id, of a remote). */
  sharedCloneOf(key: string): string {
    const name = crypto.createHmac("sha256", this.secret()).update(key).digest("hex").slice(0, 32);
    return path.join(this.root, `${name}.git`);
  }

  /**
   * Prepares the agent's workspace: fetches the shared clone (cloning it the first time) and makes
   * the agent's repository on its branch. A workspace that already has files (a restart) is kept;
   * only its git token is renewed. A failure leaves no workspace. Answers the branch and its base.
   */
  async prepare(
    runtime: AgentRuntime,
    agentId: string,
    spec: WorkspaceSpec,
    opts: PrepareOptions,
  ): Promise<{ branch: string; baseBranch: string }> {
    const workspace = runtime.workspaceOf(agentId);
    this.writeAgentCredentials(runtime, agentId, spec.gitToken ?? null);
    const existing = this.recordOf(agentId);
    const entries = fs.existsSync(workspace) ? fs.readdirSync(workspace) : [];
    if (entries.length > 0) {
      if (existing) return { branch: existing.branch, baseBranch: existing.baseBranch };
      // A workspace of its own (made before shared clones, or by hand): left as it is.
      return { branch: "", baseBranch: "" };
    }
    opts.onCloning?.();
    const key = spec.projectId ?? `remote:${spec.remote}`;
    const shared = this.sharedCloneOf(key);
    try {
      const { refs, baseBranch, start } = await this.serially(key, async () => {
        await this.update(shared, spec, opts.allowPrivate);
        const refs = await listRefs(shared);
        const base = spec.baseBranch || (await defaultBranchOf(shared, refs));
        if (base && !refs.has(`refs/heads/${base}`) && refs.size > 0)
          throw new Error(`the base branch ${base} does not exist on the remote`);
        const branch = spec.branch || base;
        const kept = branch ? refs.get(`${KEPT}${branch}`) : undefined;
        const start = kept ?? refs.get(`refs/heads/${branch}`) ?? refs.get(`refs/heads/${base}`);
        return { refs, baseBranch: base, start };
      });
      const branch = spec.branch || baseBranch;
      await this.makeAgentRepository(runtime, agentId, shared, {
        remote: spec.remote,
        refs,
        branch,
        start,
        author: spec.author ?? null,
      });
      this.writeRecord(agentId, { key, branch, baseBranch });
      return { branch, baseBranch };
    } catch (err) {
      fs.rmSync(workspace, { recursive: true, force: true });
      this.removeRecord(agentId);
      const stderr = String((err as { stderr?: string }).stderr ?? "")
        .trim()
        .split("\n")
        .filter((l) => l && !/^hint:/.test(l))
        .pop();
      throw new Error(`cloning ${spec.remote} failed: ${stderr || (err as Error).message}`);
    }
  }

  /** The short git status of an agent's workspace; undefined when it has no repository workspace. */
  async status(runtime: AgentRuntime, agentId: string): Promise<GitStatus | undefined> {
    const record = this.recordOf(agentId);
    if (!record || !fs.existsSync(path.join(runtime.workspaceOf(agentId), ".git"))) return undefined;
    const mounts = [this.sharedCloneOf(record.key)];
    const workspace = runtime.gitView(agentId).workspace;
    const git = (args: string[]) =>
      runtime.runGit(agentId, ["--no-optional-locks", "-C", workspace, ...args], { mounts });
    const branch = (await git(["symbolic-ref", "--short", "-q", "HEAD"]).catch(() => "")).trim() || record.branch;
    let ahead = 0;
    let behind = 0;
    if (record.baseBranch) {
      const counts = await git([
        "rev-list",
        "--left-right",
        "--count",
        `HEAD...refs/remotes/origin/${record.baseBranch}`,
      ]).catch(() => "");
      const [a, b] = counts.trim().split(/\s+/).map(Number);
      ahead = Number.isFinite(a) ? a! : 0;
      behind = Number.isFinite(b) ? b! : 0;
    }
    const porcelain = await git(["status", "--porcelain=v1", "-z", "--untracked-files=all"]);
    // -z: entries end in NUL; a rename carries its source as one more NUL-terminated field.
    const fields = porcelain.split("\0").filter(Boolean);
    let changedFiles = 0;
    for (let i = 0; i < fields.length; i++) {
      changedFiles++;
      if (/^[RC]/.test(fields[i]!)) i++;
    }
    return { branch, baseBranch: record.baseBranch, ahead, behind, changedFiles, clean: changedFiles === 0 };
  }

  /**
   * Before the agent's files go: with `keepBranch`, its branch is kept in the shared clone
   * (`refs/scion-kept/<branch>`, where a new agent given that branch starts from); without, a
   * kept copy of the branch is dropped too. Runs while the workspace still exists.
   */
  async release(runtime: AgentRuntime, agentId: string, opts: { keepBranch: boolean }): Promise<void> {
    const record = this.recordOf(agentId);
    if (!record) return;
    const shared = this.sharedCloneOf(record.key);
    try {
      if (!record.branch || !fs.existsSync(shared)) return;
      if (opts.keepBranch && fs.existsSync(path.join(runtime.workspaceOf(agentId), ".git"))) {
        await this.keep(runtime, agentId, shared, record.branch);
      } else if (!opts.keepBranch) {
        await this.serially(record.key, () =>
          brokerGit(shared, ["update-ref", "-d", `${KEPT}${record.branch}`]).catch(() => undefined),
        );
      }
    } finally {
      this.removeRecord(agentId);
    }
  }

  /** The session's environment for git: the askpass helper (when the agent has a git token). */
  sessionEnvironment(runtime: AgentRuntime, agentId: string): Record<string, string> {
    if (!fs.existsSync(path.join(runtime.agentDirOf(agentId), "git-token"))) return {};
    return { GIT_ASKPASS: path.join(runtime.gitView(agentId).agentDir, "git-askpass") };
  }

  /** Read-only mounts the agent's session needs (its repository borrows the shared clone's objects). */
  sessionMounts(agentId: string): string[] {
    const record = this.recordOf(agentId);
    return record ? [this.sharedCloneOf(record.key)] : [];
  }

  /** The agent's git token and askpass helper in its own directory (or neither, without a token). */
  private writeAgentCredentials(runtime: AgentRuntime, agentId: string, token: string | null): void {
    const dir = runtime.agentDirOf(agentId);
    const owner = runtime.fileOwner(agentId);
    if (!token) {
      fs.rmSync(path.join(dir, "git-token"), { force: true });
      fs.rmSync(path.join(dir, "git-askpass"), { force: true });
      return;
    }
    const view = runtime.gitView(agentId).agentDir;
    writeOwnedFile(path.join(dir, "git-token"), `${token}\n`, 0o600, owner);
    writeOwnedFile(path.join(dir, "git-askpass"), askpassScript(path.join(view, "git-token")), 0o700, owner);
  }

  /** Clones the remote into the shared clone the first time, else fetches it; as the broker, without its credentials. */
  private async update(shared: string, spec: WorkspaceSpec, allowPrivate: boolean): Promise<void> {
    fs.mkdirSync(this.root, { recursive: true, mode: 0o711 });
    if ((fs.statSync(this.root).mode & 0o777) !== 0o711) fs.chmodSync(this.root, 0o711);
    const target = await resolveGitRemote(spec.remote, allowPrivate);
    const pin =
      target.scheme === "http" || target.scheme === "https"
        ? [
            "-c",
            `http.curloptResolve=${target.host}:${target.port}:${target.addresses.map((a) => (net.isIPv6(a) ? `[${a}]` : a)).join(",")}`,
          ]
        : [];
    const scratch = fs.mkdtempSync(path.join(this.root, ".fetch-"));
    fs.chmodSync(scratch, 0o700);
    try {
      // The broker's git HOME for remotes: ssh's known_hosts (first use is trusted), nothing else.
      const home = path.join(this.root, ".home");
      fs.mkdirSync(home, { recursive: true, mode: 0o700 });
      const env: Record<string, string> = {
        ...networkEnvironment(home),
        ...(spec.gitToken && {
          GIT_ASKPASS: path.join(scratch, "askpass"),
        }),
      };
      if (spec.gitToken) {
        writeOwnedFile(path.join(scratch, "token"), `${spec.gitToken}\n`, 0o600);
        writeOwnedFile(path.join(scratch, "askpass"), askpassScript(path.join(scratch, "token")), 0o700);
      }
      const options = ["-c", "credential.helper=", "-c", "http.followRedirects=false", ...pin];
      if (!fs.existsSync(path.join(shared, "HEAD"))) {
        const fresh = path.join(scratch, "clone.git");
        // Never garbage-collected (agents borrow its objects); files readable by agents, written by the broker.
        const config = ["gc.auto=0", "maintenance.auto=false", "core.sharedRepository=0644"].flatMap((c) => [
          "--config",
          c,
        ]);
        await brokerGit(null, [...options, "clone", "--bare", "--quiet", ...config, "--", spec.remote, fresh], env);
        await brokerGit(fresh, ["config", "--unset-all", "remote.origin.url"]).catch(() => undefined);
        makeReadable(fresh);
        fs.renameSync(fresh, shared);
      } else {
        await brokerGit(
          shared,
          [...options, "fetch", "--quiet", "--prune", "--no-tags", "--", spec.remote, "+refs/heads/*:refs/heads/*"],
          env,
        );
      }
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }

  /** The agent's repository: `git init` as the agent, then the broker's three files, then the checkout as the agent. */
  private async makeAgentRepository(
    runtime: AgentRuntime,
    agentId: string,
    shared: string,
    opts: {
      remote: string;
      refs: Map<string, string>;
      branch: string;
      start: string | undefined;
      author: { name: string; email: string } | null;
    },
  ): Promise<void> {
    const view = runtime.gitView(agentId);
    const owner = runtime.fileOwner(agentId);
    const mounts = [shared];
    await runtime.runGit(agentId, ["init", "--quiet", ...(opts.branch ? ["-b", opts.branch] : []), view.workspace], {
      mounts,
    });
    const dotGit = path.join(runtime.workspaceOf(agentId), ".git");
    writeOwnedFile(
      path.join(dotGit, "objects", "info", "alternates"),
      `${path.join(shared, "objects")}\n`,
      0o644,
      owner,
    );
    const packed = [...opts.refs]
      .filter(([ref]) => ref.startsWith("refs/heads/"))
      .map(([ref, sha]) => `${sha} refs/remotes/origin/${ref.slice("refs/heads/".length)}`)
      .sort((a, b) => (a.split(" ")[1]! < b.split(" ")[1]! ? -1 : 1));
    writeOwnedFile(
      path.join(dotGit, "packed-refs"),
      `# pack-refs with: peeled sorted \n${packed.map((l) => `${l}\n`).join("")}`,
      0o644,
      owner,
    );
    writeOwnedFile(path.join(dotGit, "config"), await this.repositoryConfig(runtime, agentId, opts), 0o644, owner);
    if (opts.start)
      await runtime.runGit(agentId, ["-C", view.workspace, "checkout", "--quiet", "-B", opts.branch, opts.start], {
        mounts,
      });
  }

  /** The agent repository's config (values quoted as git reads them). */
  private async repositoryConfig(
    runtime: AgentRuntime,
    agentId: string,
    opts: { remote: string; branch: string; author: { name: string; email: string } | null },
  ): Promise<string> {
    const askpass = fs.existsSync(path.join(runtime.agentDirOf(agentId), "git-askpass"))
      ? path.join(runtime.gitView(agentId).agentDir, "git-askpass")
      : null;
    const sections: Array<[string, Array<[string, string]>]> = [
      [
        "core",
        [
          ["repositoryformatversion", "0"],
          ["filemode", "true"],
          ["bare", "false"],
          ["logallrefupdates", "true"],
          ...(askpass ? ([["askPass", askpass]] as Array<[string, string]>) : []),
        ],
      ],
      [
        'remote "origin"',
        [
          ["url", opts.remote],
          ["fetch", "+refs/heads/*:refs/remotes/origin/*"],
        ],
      ],
      [
        "push",
        [
          ["autoSetupRemote", "true"],
          ["default", "current"],
        ],
      ],
      ...(opts.author
        ? ([
            [
              "user",
              [
                ["name", opts.author.name],
                ["email", opts.author.email],
              ],
            ],
          ] as Array<[string, Array<[string, string]>]>)
        : []),
    ];
    return sections
      .map(([name, entries]) => `[${name}]\n${entries.map(([k, v]) => `\t${k} = ${configValue(v)}\n`).join("")}`)
      .join("");
  }

  /**
   * Keeps the agent's branch: the agent bundles it (as itself, in its own directory), the broker
   * copies the bundle without following links and fetches it into the shared clone. The broker
   * never reads the agent's repository itself.
   */
  private async keep(runtime: AgentRuntime, agentId: string, shared: string, branch: string): Promise<void> {
    const view = runtime.gitView(agentId);
    const name = `keep-${crypto.randomBytes(6).toString("hex")}.bundle`;
    const bundle = path.join(runtime.agentDirOf(agentId), name);
    const scratch = fs.mkdtempSync(path.join(this.root, ".keep-"));
    fs.chmodSync(scratch, 0o700);
    try {
      await runtime.runGit(
        agentId,
        ["-C", view.workspace, "bundle", "create", "--quiet", path.join(view.agentDir, name), `refs/heads/${branch}`],
        { mounts: [shared] },
      );
      const copy = path.join(scratch, "branch.bundle");
      copyWithoutLinks(bundle, copy);
      await this.serially(this.recordOf(agentId)!.key, () =>
        brokerGit(shared, ["fetch", "--quiet", "--", copy, `+refs/heads/${branch}:${KEPT}${branch}`]),
      );
    } finally {
      fs.rmSync(bundle, { force: true });
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }

  private recordFile(agentId: string): string {
    return path.join(this.root, "agents", `${agentId}.json`);
  }

  private recordOf(agentId: string): WorkspaceRecord | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.recordFile(agentId), "utf8")) as WorkspaceRecord;
    } catch {
      return undefined;
    }
  }

  private writeRecord(agentId: string, record: WorkspaceRecord): void {
    fs.mkdirSync(path.join(this.root, "agents"), { recursive: true, mode: 0o700 });
    fs.writeFileSync(this.recordFile(agentId), JSON.stringify(record), { mode: 0o600 });
  }

  private removeRecord(agentId: string): void {
    fs.rmSync(this.recordFile(agentId), { force: true });
  }

  /** The broker's key for shared clones' names (0600 in `<data>/repos`, made on first use). */
  private secret(): Buffer {
    if (this.key) return this.key;
    fs.mkdirSync(this.root, { recursive: true, mode: 0o711 });
    const file = path.join(this.root, ".key");
    try {
      fs.writeFileSync(file, crypto.randomBytes(32).toString("hex"), { flag: "wx", mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    this.key = Buffer.from(fs.readFileSync(file, "utf8").trim(), "hex");
    return this.key;
  }

  /** One operation at a time on a shared clone: two agents of a project starting at once take turns. */
  private serially<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prior = this.locks.get(key) ?? Promise.resolve();
    const next = prior.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return next;
  }
}

/** The environment of the broker's network git: nothing of the broker's config, credentials, ssh keys or prompts. */
function networkEnvironment(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_ALLOW_PROTOCOL: "http:https:ssh:git",
    GIT_SSH_COMMAND: `ssh -F /dev/null -o BatchMode=yes -o IdentityAgent=none -o IdentitiesOnly=yes -o IdentityFile=/dev/null -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${home}/known_hosts`,
  };
}

/** git as the broker, in a directory of its own (the shared clone or none). */
async function brokerGit(cwd: string | null, args: string[], env?: Record<string, string>): Promise<string> {
  const { stdout } = await run("git", cwd ? ["-C", cwd, ...args] : args, {
    env: (env ?? {
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      HOME: "/nonexistent",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_TERMINAL_PROMPT: "0",
    }) as NodeJS.ProcessEnv,
    timeout: 10 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** The shared clone's refs: remote heads and kept branches. */
async function listRefs(shared: string): Promise<Map<string, string>> {
  const out = await brokerGit(shared, ["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads", KEPT]);
  return new Map(
    out
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [sha, ref] = line.split(" ");
        return [ref!, sha!] as const;
      }),
  );
}

/** The remote's default branch: the shared clone's HEAD (as the first clone found it), else main/master/the first head. */
async function defaultBranchOf(shared: string, refs: Map<string, string>): Promise<string> {
  const head = (await brokerGit(shared, ["symbolic-ref", "--short", "-q", "HEAD"]).catch(() => "")).trim();
  if (head && (refs.has(`refs/heads/${head}`) || refs.size === 0)) return head;
  for (const name of ["main", "master"]) if (refs.has(`refs/heads/${name}`)) return name;
  const first = [...refs.keys()].find((r) => r.startsWith("refs/heads/"));
  return first ? first.slice("refs/heads/".length) : head || "main";
}

/** A git config value, quoted: backslash, double quote and newline escaped, control characters dropped. */
export function configValue(value: string): string {
  const escaped = value
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\n/g, "\\n")
    .replace(/\t/g, "\\t")
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "");
  return `"${escaped}"`;
}

/** The askpass helper: the username for GitHub-style token auth, the token (read from its file) for the password. */
function askpassScript(tokenFile: string): string {
  const quoted = `'${tokenFile.replace(/'/g, `'\\''`)}'`;
  return `#!/bin/sh\n# Scion: offers the project's git token to git (GIT_ASKPASS); the token stays in its file.\ncase "$1" in\n  Username*) echo ${GIT_TOKEN_USER} ;;\n  *) cat ${quoted} ;;\nesac\n`;
}

/**
 * Writes a file in a directory the agent may write (atomically: a scratch file created
 * exclusively, so never through a link the agent planted, owned by `owner`, renamed into place).
 */
function writeOwnedFile(file: string, content: string, mode: number, owner?: { uid: number; gid: number }): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${crypto.randomBytes(6).toString("hex")}`);
  const fd = fs.openSync(
    tmp,
    fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
    mode,
  );
  try {
    fs.writeSync(fd, content);
    fs.fchmodSync(fd, mode);
    if (owner) fs.fchownSync(fd, owner.uid, owner.gid);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Copies a file of the agent's without following a link it planted there. */
function copyWithoutLinks(from: string, to: string): void {
  const fd = fs.openSync(from, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    if (!fs.fstatSync(fd).isFile()) throw new Error("the branch bundle is not a file");
    fs.writeFileSync(to, fs.readFileSync(fd), { mode: 0o600 });
  } finally {
    fs.closeSync(fd);
  }
}

/** The shared clone is readable by agents (its objects are what their repositories borrow), writable by the broker only. */
function makeReadable(dir: string): void {
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return;
    const want = st.isDirectory() ? (st.mode & 0o777) | 0o755 : (st.mode & 0o777) | 0o444;
    if ((st.mode & 0o777) !== want) fs.chmodSync(p, want & ~0o022);
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
  };
  walk(dir);
}
