import { execFile, execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalRuntime } from "../../broker/runtimes/local-runtime";
import { spawnHub, type SpawnedHub } from "../spawn-hub";
import { until } from "../until";
import { serveGitRepo } from "../git-server";

/** Where the probes' output is kept for people to read (test-results/ is not committed). */
const RESULTS = path.resolve(import.meta.dirname, "..", "..", "test-results");

/**
 * An agent of the local broker, driven by a hostile member, tries to read everything it should
 * not: the hub's secrets (relative and absolute paths), the broker's state, another agent's
 * workspace, token, HOME and tmux session, the hub's environment, and a dev-mode admin session.
 * The hub runs as `npm start` does (its own process, dev mode, embedded Postgres, local broker),
 * as root like CI: so agents run as users of their own. Every probe's output lands in a log the
 * test reads; no secret may appear in it, and the agent's own token must (the probes work).
 */
const ROOT_ONLY = process.getuid?.() === 0;
const canaryPlain = `canary-plain-${crypto.randomBytes(8).toString("hex")}`;
const canarySecret = `canary-secret-${crypto.randomBytes(8).toString("hex")}`;
const victimEnv = `victim-env-${crypto.randomBytes(8).toString("hex")}`;
const victimFile = `victim-file-${crypto.randomBytes(8).toString("hex")}`;

let dataDir: string;
let scratch: string;
let hub: SpawnedHub;
let url: string;
let token: string;

const api = async <T>(
  pathname: string,
  init: { method?: string; json?: unknown } = {},
): Promise<{ status: number; body: T }> => {
  const res = await fetch(`${url}${pathname}`, {
    method: init.method ?? "GET",
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.json !== undefined && { "content-type": "application/json" }),
    },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as T };
};

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-iso-"));
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "scion-iso-git-"));
  // A credential helper in the broker's git config, with a password for the test's git server:
  // a clone as the agent must never use it.
  fs.writeFileSync(path.join(scratch, "credentials"), "");
  fs.writeFileSync(
    path.join(scratch, "gitconfig"),
    `[credential]\n\thelper = store --file ${path.join(scratch, "credentials")}\n`,
  );
  hub = spawnHub({
    SCION_DATA_DIR: dataDir,
    PORT: "0",
    SCION_LOG_LEVEL: "warn",
    SCION_PORT_RANGE: "44100-44199",
    SCION_ALLOW_PRIVATE_GIT_REMOTES: "true",
    HUB_CANARY_PLAIN: canaryPlain,
    SCION_TEST_CANARY_SECRET: canarySecret,
    GIT_CONFIG_GLOBAL: path.join(scratch, "gitconfig"),
  });
  url = await hub.ready;
  token = fs.readFileSync(path.join(dataDir, "dev-token"), "utf8").trim();
  await until(
    async () =>
      (await api<{ items: Array<{ status: string }> }>("/api/v1/runtime-brokers")).body.items?.some(
        (b) => b.status === "online",
      ),
    "the local broker",
    30_000,
  );
}, 120_000);

afterAll(async () => {
  if (hub) {
    // Delete every agent through the hub (their users go with them), then stop the hub.
    const agents = await api<{ items: Array<{ id: string }> }>("/api/v1/agents?limit=500").catch(() => ({
      body: { items: [] },
    }));
    for (const a of agents.body.items ?? [])
      await api(`/api/v1/agents/${a.id}`, { method: "DELETE" }).catch(() => undefined);
    hub.child.kill("SIGTERM");
    await hub.exited;
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(scratch, { recursive: true, force: true });
}, 60_000);

interface AgentJson {
  id: string;
  phase: string;
}

describe.runIf(ROOT_ONLY)("agent isolation on the local runtime", () => {
  it("an agent cannot read the hub's secrets, the broker's state, another agent's files, token, session or environment, nor sign in as the dev admin", async () => {
    const project = (await api<{ id: string }>("/api/v1/projects", { method: "POST", json: { name: "iso" } })).body;
    const victim = await api<AgentJson>("/api/v1/agents", {
      method: "POST",
      json: {
        projectId: project.id,
        name: "victim",
        harness: "generic",
        command: `echo ${victimFile} > victim.txt; exec cat`,
        env: { VICTIM_ENV_SECRET: victimEnv },
        start: true,
      },
    });
    expect(victim.status).toBe(201);
    expect(victim.body.phase).toBe("running");
    const brokerDir = path.join(dataDir, "broker");
    const tmux = new LocalRuntime(brokerDir);
    const v = victim.body.id;
    await until(() => fs.existsSync(path.join(tmux.workspaceOf(v), "victim.txt")), "the victim's file");
    const victimPid = Number(
      execFileSync("tmux", [...tmux.serverArgs(v), "display-message", "-p", "-t", `=scion-${v}:`, "#{pane_pid}"])
        .toString()
        .trim(),
    );

    // Everything of the hub's and the broker's in the data directory (Postgres's own files are
    // the postgres user's 0700 directory: probed as a listing).
    const secrets: string[] = [];
    const files: string[] = [];
    for (const name of fs.readdirSync(dataDir)) {
      const file = path.join(dataDir, name);
      if (fs.statSync(file).isFile()) files.push(file);
    }
    for (const name of fs.readdirSync(brokerDir)) {
      const file = path.join(brokerDir, name);
      if (fs.statSync(file).isFile()) files.push(file);
    }
    expect(files.map((f) => path.relative(dataDir, f))).toEqual(
      expect.arrayContaining([
        "session-secret",
        "dev-token",
        "postgres-credentials.json",
        "broker/broker-credentials.json",
        "broker/ports.json",
      ]),
    );
    for (const file of files)
      secrets.push(
        ...fs
          .readFileSync(file, "utf8")
          .split(/["\s:,{}[\]]+/)
          .filter((w) => w.length >= 20 && !/^[0-9a-f-]{36}$/.test(w)),
      );
    const victimToken = fs.readFileSync(tmux.tokenFileOf(v), "utf8").trim();
    secrets.push(victimToken, victimFile, victimEnv, canaryPlain, canarySecret);

    const probes = [
      `probe own-token cat "$SCION_AGENT_TOKEN_FILE"`,
      `probe relative-session-secret cat ../../../session-secret`,
      ...files.map((f) => `probe file:${path.relative(dataDir, f)} cat ${f}`),
      `probe list-data ls -la ${dataDir}`,
      `probe list-broker ls -la ${brokerDir}`,
      `probe list-agents ls ${path.join(brokerDir, "agents")}`,
      `probe list-workspaces ls ${path.join(brokerDir, "workspaces")}`,
      `probe postgres ls ${path.join(dataDir, "postgres")}`,
      `probe victim-file cat ${path.join(tmux.workspaceOf(v), "victim.txt")}`,
      `probe victim-workspace ls -la ${tmux.workspaceOf(v)}`,
      `probe victim-token cat ${tmux.tokenFileOf(v)}`,
      `probe victim-home ls -la ${tmux.homeOf(v)}`,
      `probe victim-tmux tmux ${tmux.serverArgs(v).join(" ")} list-sessions`,
      `probe victim-tmux-keys tmux ${tmux.serverArgs(v).join(" ")} send-keys -t =scion-${v}: "echo pwned" Enter`,
      `probe shared-tmux tmux -S ${path.join(brokerDir, "tmux.sock")} list-sessions`,
      `probe victim-signal kill -0 ${victimPid}`,
      `probe victim-environ cat /proc/${victimPid}/environ`,
      `probe all-environ sh -c 'cat /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n" | grep -E "CANARY|SESSION_SECRET|VICTIM"'`,
      `probe env env`,
      `probe dev-sign-in node -e 'fetch("${url}/", { headers: { accept: "text/html" } }).then((r) => console.log("set-cookie:", r.headers.get("set-cookie")))'`,
    ];
    const script = `probe() { name=$1; shift; out=$("$@" 2>&1); echo "== $name (exit $?)"; printf '%s\\n' "$out" | head -c 4000; }\n${probes.join("\n")}\necho PROBES-DONE\n`;
    const attacker = await api<AgentJson>("/api/v1/agents", {
      method: "POST",
      json: {
        projectId: project.id,
        name: "attacker",
        harness: "generic",
        command: `echo ${Buffer.from(script).toString("base64")} | base64 -d > probe.sh; bash probe.sh > probe.log 2>&1; exec cat`,
        start: true,
      },
    });
    expect(attacker.status).toBe(201);
    const logFile = path.join(tmux.workspaceOf(attacker.body.id), "probe.log");
    const log = await until(
      () =>
        fs.existsSync(logFile) && fs.readFileSync(logFile, "utf8").includes("PROBES-DONE")
          ? fs.readFileSync(logFile, "utf8")
          : undefined,
      "the probes",
      30_000,
    );
    const section = (name: string) =>
      new RegExp(
        `== ${name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} \\(exit (\\d+)\\)\\n([\\s\\S]*?)(?=\\n== |\\nPROBES-DONE)`,
      ).exec(log);
    fs.mkdirSync(RESULTS, { recursive: true });
    fs.writeFileSync(path.join(RESULTS, "isolation-local.log"), log);

    // The probes work: the agent reads its own token.
    expect(section("own-token")?.[2]?.trim()).toBe(fs.readFileSync(tmux.tokenFileOf(attacker.body.id), "utf8").trim());
    // Nothing else: every read fails, and no secret appears anywhere in the output.
    for (const name of [
      "relative-session-secret",
      ...files.map((f) => `file:${path.relative(dataDir, f)}`),
      "list-data",
      "list-agents",
      "list-workspaces",
      "postgres",
      "victim-file",
      "victim-workspace",
      "victim-token",
      "victim-home",
      "victim-tmux",
      "victim-tmux-keys",
      "shared-tmux",
      "victim-signal",
      "victim-environ",
    ]) {
      const found = section(name);
      expect(found, `probe ${name} ran`).toBeTruthy();
      expect(found![1], `probe ${name} must fail: ${found![2]}`).not.toBe("0");
    }
    for (const secret of secrets)
      expect(log.includes(secret), `a secret leaked into the agent's probes (${secret.slice(0, 12)}…)`).toBe(false);
    // Its environment is the allow-list: no hub or broker variables.
    const env = section("env")![2]!;
    expect(env).toMatch(/^SCION_AGENT_ID=/m);
    expect(env).not.toMatch(
      /^(SESSION_SECRET|DATABASE_URL|HUB_CANARY_PLAIN|SCION_TEST_CANARY_SECRET|GIT_CONFIG_GLOBAL|SCION_DATA_DIR|SCION_PORT_RANGE|NODE_ENV)=/m,
    );
    expect(section("dev-sign-in")![2]).toContain("set-cookie: null");
    // The victim's session saw nothing typed by the attacker.
    expect(
      execFileSync("tmux", [...tmux.serverArgs(v), "capture-pane", "-p", "-t", `=scion-${v}:`]).toString(),
    ).not.toContain("pwned");
  }, 120_000);

  it("clones a project's remote as the agent, without the broker's credential helper", async () => {
    // A git server that wants a password, which only the broker's credential helper knows.
    const password = crypto.randomBytes(8).toString("hex");
    const server = await serveGitRepo({ files: { "README.md": "secret repository\n" }, password });
    fs.writeFileSync(path.join(scratch, "credentials"), `http://git:${password}@127.0.0.1:${server.port}\n`);
    const open = await serveGitRepo({ files: { "README.md": "open repository\n" } });
    try {
      // The broker's own git would succeed with its helper (the control: the server works).
      await promisify(execFile)("git", ["clone", "-q", server.url, path.join(scratch, "control")], {
        env: { ...process.env, GIT_CONFIG_GLOBAL: path.join(scratch, "gitconfig"), GIT_TERMINAL_PROMPT: "0" },
      });
      const byBroker = server.authorized();
      expect(byBroker).toBeGreaterThan(0);
      const project = (
        await api<{ id: string }>("/api/v1/projects", {
          method: "POST",
          json: { name: "private-repo", gitRemote: server.url },
        })
      ).body;
      const agent = await api<AgentJson>("/api/v1/agents", {
        method: "POST",
        json: { projectId: project.id, name: "cloner", harness: "generic", command: "exec cat", start: true },
      });
      expect(agent.status).toBe(201);
      const row = await until(async () => {
        const a = await api<AgentJson & { detail: string }>(`/api/v1/agents/${agent.body.id}`);
        return a.body.phase === "error" ? a.body : undefined;
      }, "the clone to fail");
      expect(row.detail).toMatch(/cloning .* failed/);
      expect(server.authorized()).toBe(byBroker);

      // Without a password, the clone is the agent's: its files belong to the agent's user.
      const p2 = (
        await api<{ id: string }>("/api/v1/projects", {
          method: "POST",
          json: { name: "open-repo", gitRemote: open.url },
        })
      ).body;
      const reader = await api<AgentJson>("/api/v1/agents", {
        method: "POST",
        json: { projectId: p2.id, name: "reader", harness: "generic", command: "exec cat", start: true },
      });
      expect(reader.body.phase).toBe("running");
      const tmux = new LocalRuntime(path.join(dataDir, "broker"));
      const readme = path.join(tmux.workspaceOf(reader.body.id), "README.md");
      expect(fs.readFileSync(readme, "utf8")).toBe("open repository\n");
      const owner = fs.statSync(readme).uid;
      expect(owner).toBeGreaterThanOrEqual(200_000);
      expect(fs.statSync(tmux.workspaceOf(reader.body.id)).uid).toBe(owner);
      expect(fs.statSync(tmux.workspaceOf(reader.body.id)).mode & 0o777).toBe(0o700);
      expect(fs.statSync(tmux.homeOf(reader.body.id)).mode & 0o777).toBe(0o700);
      expect(fs.statSync(tmux.tokenFileOf(reader.body.id))).toMatchObject({ uid: owner });
      expect(fs.statSync(tmux.tokenFileOf(reader.body.id)).mode & 0o777).toBe(0o600);
    } finally {
      await server.close();
      await open.close();
    }
  }, 120_000);
});
