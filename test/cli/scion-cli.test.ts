import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as pty from "node-pty";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalRuntime } from "../../broker/runtimes/local-runtime";
import type { AgentJson } from "../../lib/agents/schemas";
import { encodeSessionCookie, SESSION_COOKIE } from "../../lib/auth/session-cookie";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { until } from "../until";

/**
 * The `scion` command line as a person or a script uses it (bin/scion.mjs, the bundled build),
 * against a real hub with a local broker: device login approved the way the dashboard approves it,
 * list against the API's own filtering and sorting, attach through a real PTY (node-pty drives the
 * command line like a person at a terminal), message, reset-auth, stop --all, usage mistakes.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "bin", "scion.mjs");
let t: TestHub;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;
let project: { id: string; slug: string };
let configHome: string;

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;

/** The command line as a child process (async: the hub answers from this same process). */
function scion(args: string[], opts: { token?: string; env?: Record<string, string>; input?: string } = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: {
      NODE_ENV: "production",
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      XDG_CONFIG_HOME: configHome,
      SCION_HUB: t.url,
      ...(opts.token && { SCION_TOKEN: opts.token }),
      ...opts.env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  if (opts.input !== undefined) child.stdin.end(opts.input);
  else child.stdin.end();
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, out, err })),
  );
  return Object.assign(done, { child, stderr: () => err, stdout: () => out });
}

async function createAgent(user: TestUser, name: string, body: Record<string, unknown> = {}) {
  const res = await user.request("/api/v1/agents", { method: "POST", json: { projectId: project.id, name, ...body } });
  expect(res.status).toBe(201);
  return json<AgentJson>(res);
}

beforeAll(async () => {
  t = await startTestHub({ SCION_LOCAL_BROKER: "true" }, { localBroker: true });
  [alice, bob, admin] = await Promise.all([t.createUser(), t.createUser(), t.createUser({ role: "admin" })]);
  project = await json(await alice.request("/api/v1/projects", { method: "POST", json: { name: "cli" } }));
  configHome = fs.mkdtempSync(path.join(os.tmpdir(), "scion-cli-config-"));
  await until(
    async () => (await t.hub.runtime.prisma.runtimeBroker.count({ where: { status: "online" } })) > 0,
    "the local broker",
    60_000,
  );
}, 180_000);

afterAll(async () => {
  await t?.close();
  if (configHome) fs.rmSync(configHome, { recursive: true, force: true });
});

describe("scion login / logout", () => {
  it("device login: prints a code, the dashboard approves it, the token is kept 0600 and works; logout revokes it", async () => {
    const login = scion(["login"]);
    const code = await until(() => /\b([A-Z2-9]{4}-[A-Z2-9]{4})\b/.exec(login.stderr())?.[1], "the user code", 30_000);
    expect(login.stderr()).toContain(`${t.url}/device`);
    // As the /device page does: the signed-in person's session cookie, from the hub's own origin.
    const cookie = `${SESSION_COOKIE}=${await encodeSessionCookie(t.hub.runtime.sessionSecret, alice.user)}`;
    const approve = await fetch(`${t.url}/api/v1/auth/device/approve`, {
      method: "POST",
      headers: { cookie, origin: t.url, "content-type": "application/json" },
      body: JSON.stringify({ userCode: code.toLowerCase() }),
    });
    expect(approve.status).toBe(200);
    const done = await login;
    expect(done.err).not.toContain("scion:");
    expect(done.code).toBe(0);
    expect(done.out).toContain(`Signed in to ${t.url} as ${alice.user.email}`);

    const config = JSON.parse(fs.readFileSync(path.join(configHome, "scion", "config.json"), "utf8")) as {
      currentHub: string;
      hubs: Record<string, { tokenFile: string }>;
    };
    expect(config.currentHub).toBe(t.url);
    const tokenFile = config.hubs[t.url]!.tokenFile;
    expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(configHome, "scion")).mode & 0o777).toBe(0o700);
    const token = fs.readFileSync(tokenFile, "utf8").trim();

    const who = await scion(["whoami", "--json"]);
    expect(who.code).toBe(0);
    expect(JSON.parse(who.out)).toMatchObject({ email: alice.user.email, kind: "user", hub: t.url });

    const logout = await scion(["logout"]);
    expect(logout.code).toBe(0);
    expect(fs.existsSync(tokenFile)).toBe(false);
    const me = await fetch(`${t.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(401);
    const after = await scion(["list"]);
    expect(after.code).toBe(1);
    expect(after.err.trim()).toBe(`scion: not signed in to ${t.url}: run scion login --hub ${t.url}`);
  }, 60_000);

  it("the device API: pending (428), too fast (429), approved once (200), then used up (400); unknown codes are 404", async () => {
    const start = await fetch(`${t.url}/api/v1/auth/device`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ clientName: "test run" }),
    });
    expect(start.status).toBe(201);
    const flow = await json<{ deviceCode: string; userCode: string; interval: number; expiresIn: number }>(start);
    expect(flow.expiresIn).toBe(600);
    const poll = () =>
      fetch(`${t.url}/api/v1/auth/device/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ deviceCode: flow.deviceCode }),
      });
    const pending = await poll();
    expect([pending.status, (await json<{ error: { code: string } }>(pending)).error.code]).toEqual([
      428,
      "authorization_pending",
    ]);
    const tooFast = await poll();
    expect([tooFast.status, (await json<{ error: { code: string } }>(tooFast)).error.code]).toEqual([429, "slow_down"]);
    expect(
      (await bob.request("/api/v1/auth/device/approve", { method: "POST", json: { userCode: "ZZZZ-ZZZZ" } })).status,
    ).toBe(404);
    expect(
      (await bob.request("/api/v1/auth/device/approve", { method: "POST", json: { userCode: flow.userCode } })).status,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, flow.interval * 1000));
    const granted = await poll();
    expect(granted.status).toBe(200);
    const { token } = await json<{ token: string }>(granted);
    const me = await json<{ email: string }>(
      await fetch(`${t.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(me.email).toBe(bob.user.email);
    const again = await poll();
    expect([again.status, (await json<{ error: { code: string } }>(again)).error.code]).toEqual([400, "expired_token"]);
    // Only digests are stored.
    const rows = await t.hub.runtime.prisma.deviceAuthorization.findMany();
    expect(JSON.stringify(rows)).not.toContain(flow.deviceCode);
    expect(JSON.stringify(rows)).not.toContain(flow.userCode.replace("-", ""));
  }, 30_000);

  it("login --token checks the token with the hub before keeping it", async () => {
    const bad = await scion(["login", "--token", "not-a-token"]);
    expect(bad.code).toBe(1);
    expect(bad.err.trim()).toBe(`scion: the hub at ${t.url} refused this token`);
    const good = await scion(["login", "--token"], { input: `${bob.token}\n` });
    expect(good.code).toBe(0);
    expect(good.out).toContain(`as ${bob.user.email}`);
    const hubs = await scion(["hubs", "--json"]);
    expect(JSON.parse(hubs.out)).toEqual([
      expect.objectContaining({ url: t.url, user: bob.user.email, current: true }),
    ]);
  }, 30_000);
});

describe("scion list", () => {
  it("filters and sorts exactly as the API does; --json parses; the table words the status as the dashboard", async () => {
    const names = ["delta", "alpha", "charlie", "bravo", "echo"];
    const agents = [];
    for (const name of names) agents.push(await createAgent(alice, `list-${name}`, { task: `find the ${name}` }));
    // Two stopped ones, so the phase filter has something to tell apart.
    await t.hub.runtime.prisma.agent.updateMany({
      where: { id: { in: [agents[1]!.id, agents[3]!.id] } },
      data: { phase: "stopped" },
    });
    const cases: Array<[string[], string]> = [
      [["--sort", "name"], "sort=name&order=asc"],
      [["--sort", "name", "--order", "desc"], "sort=name&order=desc"],
      [["--sort", "created", "--order", "asc"], "sort=created&order=asc"],
      [["--phase", "stopped"], "phase=stopped"],
      [["--search", "charlie"], "q=charlie"],
      [["--sort", "updated", "--limit", "2"], "sort=updated&limit=2"],
    ];
    for (const [flags, query] of cases) {
      const cli = await scion(["list", "--project", project.slug, "--json", ...flags], { token: alice.token });
      expect(cli.code, cli.err).toBe(0);
      const api = await json<{ items: AgentJson[] }>(
        await alice.request(`/api/v1/agents?projectId=${project.id}&${query}`),
      );
      const got = (JSON.parse(cli.out) as AgentJson[]).map((a) => a.slug);
      expect([flags.join(" "), got]).toEqual([flags.join(" "), api.items.map((a) => a.slug)]);
      expect(got.length).toBeGreaterThan(0);
    }
    const all = await scion(["ls", "-p", project.id, "--all", "--json"], { token: alice.token });
    expect((JSON.parse(all.out) as AgentJson[]).length).toBe(
      await t.hub.runtime.prisma.agent.count({ where: { projectId: project.id } }),
    );

    const table = await scion(["list", "--project", project.slug, "--sort", "name"], { token: alice.token });
    const lines = table.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^AGENT\s+STATUS\s+HARNESS\s+BROKER\s+UPDATED\s+TASK$/);
    expect(lines.find((l) => l.startsWith(`${project.slug}/list-bravo `))).toMatch(/\sStopped\s.*find the bravo$/);
    expect(lines.find((l) => l.startsWith(`${project.slug}/list-alpha `))).toMatch(/\sStopped\s/);
    expect(lines.find((l) => l.startsWith(`${project.slug}/list-charlie `))).toMatch(/\sCreated\s.*find the charlie$/);
    expect(table.out).not.toContain("\x1b["); // no colours off a terminal

    // Bob sees none of Alice's agents.
    const other = await scion(["list", "--json", "--all"], { token: bob.token });
    expect(
      (JSON.parse(other.out) as AgentJson[]).filter((a) => a.projectId === project.id && a.slug.startsWith("list-")),
    ).toEqual([]);
  }, 120_000);

  it("a bad flag or value is one line naming it, exit 2; a hub refusal is its message, exit 1", async () => {
    const unknown = await scion(["list", "--bogus"], { token: alice.token });
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe("scion: unknown option '--bogus'\n");
    const limit = await scion(["list", "--limit", "0"], { token: alice.token });
    expect(limit.code).toBe(2);
    expect(limit.err.trim().split("\n")).toHaveLength(1);
    expect(limit.err).toContain("--limit <n>' argument '0' is invalid. must be a whole number from 1 to 500");
    const phase = await scion(["list", "--phase", "sleeping"], { token: alice.token });
    expect(phase.code).toBe(2);
    expect(phase.err).toContain("--phase <phase>' argument 'sleeping' is invalid");
    const extra = await scion(["start", "a", "b"], { token: alice.token });
    expect(extra.code).toBe(2);
    const hub = await scion(["list", "--hub", "ftp://x"], { token: alice.token });
    expect(hub.code).toBe(2);
    expect(hub.err).toContain("must be an http:// or https:// URL");
    const missing = await scion(["start", `${project.slug}/no-such-agent`], { token: alice.token });
    expect(missing.code).toBe(1);
    expect(missing.err).toBe("scion: No such agent.\n");
    const help = await scion(["stop", "--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("Examples:");
    expect(help.out).toContain("scion stop --all --project web");
  }, 60_000);
});

describe("scion create --secret", () => {
  it("names secrets the agent needs: a start without them is refused with the hub's message; with them it runs", async () => {
    const ref = `${project.slug}/deployer`;
    const bad = await scion(["create", "deployer", "-p", project.slug, "--secret", "no spaces"], {
      token: alice.token,
    });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--secret <NAME>' argument 'no spaces' is invalid. a secret name is letters, digits");

    const refused = await scion(["create", "deployer", "-p", project.slug, "--secret", "DEPLOY_KEY", "--start"], {
      token: alice.token,
    });
    expect(refused.code).toBe(1);
    expect(refused.err).toBe("scion: The agent needs the secret DEPLOY_KEY, which the secret store does not have.\n");
    expect(await t.hub.runtime.prisma.agent.count({ where: { projectId: project.id, slug: "deployer" } })).toBe(0);

    const created = await scion(["create", "deployer", "-p", project.slug, "-s", "DEPLOY_KEY", "--json"], {
      token: alice.token,
    });
    expect(created.code, created.err).toBe(0);
    expect((JSON.parse(created.out) as AgentJson).secrets).toEqual(["DEPLOY_KEY"]);
    const startRefused = await scion(["start", ref], { token: alice.token });
    expect(startRefused.code).toBe(1);
    expect(startRefused.err).toContain("The agent needs the secret DEPLOY_KEY");

    const secret = await alice.request("/api/v1/secrets", {
      method: "POST",
      json: { name: "DEPLOY_KEY", value: "s3cret-value", scope: "user" },
    });
    expect(secret.status).toBe(201);
    const started = await scion(["start", ref, "--json"], { token: alice.token });
    expect(started.code, started.err).toBe(0);
    expect((JSON.parse(started.out) as AgentJson).phase).toBe("running");
    const deleted = await scion(["delete", ref], { token: alice.token });
    expect(deleted.code, deleted.err).toBe(0);
  }, 120_000);
});

describe("running agents", () => {
  let shell: AgentJson;
  beforeAll(async () => {
    shell = await createAgent(alice, "cli-shell", { start: true });
    expect(shell.phase).toBe("running");
  }, 120_000);

  it("attach: keystrokes typed into a terminal reach the agent and come back; resizing follows; it reconnects after a restart; Ctrl-] detaches", async () => {
    const term = pty.spawn(process.execPath, [BIN, "attach", `${project.slug}/cli-shell`], {
      name: "xterm-256color",
      cols: 100,
      rows: 30,
      cwd: ROOT,
      env: {
        PATH: process.env.PATH!,
        HOME: process.env.HOME!,
        XDG_CONFIG_HOME: configHome,
        SCION_HUB: t.url,
        SCION_TOKEN: alice.token,
        TERM: "xterm-256color",
      },
    });
    let screen = "";
    term.onData((d) => (screen += d));
    const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    try {
      await until(() => screen.includes("Attached to"), "the attach banner", 30_000);
      // The remote shell is ready when it echoes what it is given.
      await until(
        () => {
          term.write("echo cli-$((6*7))\r");
          return screen.includes("cli-42");
        },
        "the echo through the agent's terminal",
        30_000,
        1000,
      );
      term.resize(120, 40);
      // 40 rows for the terminal, one of them tmux's status line.
      const tmux = new LocalRuntime(path.join(t.dataDir, "broker"));
      const paneSize = () =>
        execFileSync(
          "tmux",
          [
            ...tmux.serverArgs(shell.id),
            "display-message",
            "-p",
            "-t",
            `=scion-${shell.id}:`,
            "#{pane_width}x#{pane_height}",
          ],
          { encoding: "utf8" },
        ).trim();
      await until(
        () => paneSize() === "120x39",
        `the agent's window to take the new size (it is ${paneSize()})`,
        30_000,
      );
      // A restart ends the tmux session the terminal is attached to: the command line says so,
      // reconnects by itself (as the browser does), and keystrokes reach the new session.
      const restarted = await alice.request(`/api/v1/agents/${shell.id}/restart`, { method: "POST" });
      expect(restarted.status, await restarted.text()).toBe(200);
      await until(() => /Disconnected.*reconnecting in/.test(screen), "the disconnected line", 30_000);
      const before = screen.length;
      await until(
        () => {
          term.write("echo again-$((6*7))\r");
          return screen.slice(before).includes("again-42");
        },
        "the echo through the reconnected terminal",
        45_000,
        1000,
      );
      term.write("\x1d");
      expect(await exited).toBe(0);
      expect(screen).toContain(`Detached from ${project.slug}/cli-shell.`);
    } finally {
      term.kill();
    }
  }, 90_000);

  it("message: sends text into the agent's session and messages lists it; someone else's agent is refused", async () => {
    const sent = await scion(["message", `${project.slug}/cli-shell`, "echo from-the-cli-$((2+3))"], {
      token: alice.token,
    });
    expect(sent.code, sent.err).toBe(0);
    expect(sent.out).toMatch(new RegExp(`^✔ (Delivered to|Queued for) ${project.slug}/cli-shell\\n$`));
    const listed = await scion(["messages", "cli-shell", "--json"], { token: alice.token });
    expect(listed.code).toBe(0);
    const items = JSON.parse(listed.out) as Array<{ body: string; channel: string; dispatchState: string }>;
    expect(items.at(-1)).toMatchObject({ body: "echo from-the-cli-$((2+3))", channel: "cli" });
    const denied = await scion(["message", shell.id, "hello"], { token: bob.token });
    expect(denied.code).toBe(1);
  }, 60_000);

  it("reset-auth --all: an admin gets the per-agent summary; a member is refused with the hub's message", async () => {
    const member = await scion(["reset-auth", "--all"], { token: alice.token });
    expect(member.code).toBe(1);
    expect(member.err).toBe("scion: Administrators only.\n");
    const asAdmin = await scion(["reset-auth", "--all", "--json"], { token: admin.token });
    expect(asAdmin.code, asAdmin.err).toBe(0);
    const summary = JSON.parse(asAdmin.out) as {
      total: number;
      succeeded: number;
      results: Array<{ agentId: string; ok: boolean }>;
    };
    expect(summary.total).toBeGreaterThanOrEqual(1);
    expect(summary.succeeded).toBe(summary.total);
    expect(summary.results).toContainEqual(expect.objectContaining({ agentId: shell.id, ok: true }));
    const text = await scion(["reset-auth", "--all"], { token: admin.token });
    expect(text.out).toMatch(/^Reset (\d+) of \1\.$/m);
  }, 90_000);

  it("stop --all asks first (refuses without a terminal or --yes; 'n' stops nothing); --yes stops them", async () => {
    const second = await createAgent(alice, "cli-second", { start: true });
    expect(second.phase).toBe("running");
    const refused = await scion(["stop", "--all", "--project", project.slug], { token: alice.token });
    expect(refused.code).toBe(2);
    expect(refused.err).toBe("scion: stopping 2 agents needs confirmation: run it on a terminal or add --yes\n");

    const term = pty.spawn(process.execPath, [BIN, "stop", "--all", "--project", project.slug], {
      cols: 100,
      rows: 30,
      cwd: ROOT,
      env: {
        PATH: process.env.PATH!,
        HOME: process.env.HOME!,
        XDG_CONFIG_HOME: configHome,
        SCION_HUB: t.url,
        SCION_TOKEN: alice.token,
      },
    });
    let screen = "";
    term.onData((d) => (screen += d));
    const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    await until(() => screen.includes("Stop these 2 agents of"), "the question", 30_000);
    term.write("n\r");
    expect(await exited).toBe(1);
    expect(screen).toContain("nothing stopped");
    const phases = await t.hub.runtime.prisma.agent.findMany({ where: { id: { in: [shell.id, second.id] } } });
    expect(phases.map((a) => a.phase)).toEqual(["running", "running"]);

    const yes = await scion(["stop", "--all", "--project", project.slug, "--yes"], { token: alice.token });
    expect(yes.code, yes.err).toBe(0);
    expect(yes.out).toContain("Stopped 2 of 2.");
    await until(
      async () =>
        (await t.hub.runtime.prisma.agent.count({ where: { id: { in: [shell.id, second.id] }, phase: "stopped" } })) ===
        2,
      "both agents stopped",
      30_000,
    );
  }, 120_000);
});
