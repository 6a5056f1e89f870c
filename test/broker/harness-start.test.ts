import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { installAgentShim } from "../../broker/agent-shim";
import { createAgentOperations } from "../../broker/agent-operations";
import type { ControlChannelClient } from "../../broker/control-channel-client";
import { HarnessInstaller } from "../../broker/harness-install";
import { PortPool } from "../../broker/port-pool";
import { LocalRuntime } from "../../broker/runtimes/local-runtime";
import { callBroker } from "../../lib/brokers/channel/call-broker";
import { loadConfig } from "../../lib/config/load-config";
import { startHub, type Hub } from "../../lib/server/start-hub";
import { captureLogger } from "../silent-logger";
import { connectChannelBroker } from "../support/channel-broker";
import { createTestDatabase, type TestDatabase } from "../test-database";

// A stand-in Claude Code (SCION_HARNESS_CLAUDE_BIN): it prints what the broker gave it (argv,
// environment, the files in its HOME), then echoes the keys it receives in raw mode.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "scion-harness-start-"));
fs.chmodSync(scratch, 0o755);
const fakeClaude = path.join(scratch, "claude");
fs.writeFileSync(
  fakeClaude,
  `#!/usr/bin/env node
const fs = require("fs");
const home = process.env.HOME;
const read = (p) => { try { return fs.readFileSync(home + "/" + p, "utf8"); } catch { return "missing"; } };
console.log("argv=" + JSON.stringify(process.argv.slice(2)));
console.log("key=" + (process.env.ANTHROPIC_API_KEY || "none") + " plain=" + (process.env.PLAIN || "none") + " scion=" + (process.env.SCION_EVIL || "none"));
console.log("path-has-bin=" + process.env.PATH.split(":").includes(${JSON.stringify(scratch)}));
console.log("cred=" + read(".claude/.credentials.json"));
console.log("hook=" + JSON.parse(read(".claude/settings.json")).hooks.Stop[0].hooks[0].command);
console.log("instructions=" + read(".claude/CLAUDE.md"));
process.stdin.setRawMode(true);
process.stdin.on("data", (d) => console.log("got " + d.toString("hex")));
`,
  { mode: 0o755 },
);

let db: TestDatabase;
let hub: Hub;
let client: ControlChannelClient;
let runtime: LocalRuntime;
let brokerId: string;
let brokerDir: string;
let events: Array<{ name: string; data: unknown }>;
let shimBundle: string;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

beforeEach(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-hs-hub-"));
  hub = await startHub({
    config: loadConfig({ env: { DATABASE_URL: db.url, PORT: "0", SCION_DATA_DIR: dataDir }, cwd: dataDir }),
    logger: captureLogger().logger,
  });
  const admin = await hub.runtime.prisma.user.create({
    data: { email: `hs-${crypto.randomUUID()}@example.com`, role: "admin" },
  });
  brokerDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-hs-broker-"));
  const shim = await installAgentShim(brokerDir);
  shimBundle = shim.hookBundle;
  runtime = new LocalRuntime(brokerDir, shim);
  events = [];
  const basePort = 40000 + Math.floor(Math.random() * 20000);
  const ops = createAgentOperations({
    runtime,
    ports: new PortPool({ range: `${basePort}-${basePort + 9}`, portsPerAgent: 1 }),
    dataDir: brokerDir,
    logger: captureLogger().logger,
    emit: (name, data) => events.push({ name, data }),
    installer: new HarnessInstaller({
      dir: path.join(brokerDir, "harnesses"),
      binOverrides: {
        SCION_HARNESS_CLAUDE_BIN: fakeClaude,
        SCION_HARNESS_CODEX_BIN: path.join(scratch, "no-such-codex"),
      },
    }),
  });
  ({ brokerId, client } = await connectChannelBroker(hub, {
    admin,
    name: `hs-${crypto.randomUUID().slice(0, 8)}`,
    capabilities: { runtimes: ["local"], harnesses: ["shell", "claude"] },
    heartbeat: ops.heartbeat,
    onRequest: ops.handle,
    backoffBaseMs: 50,
  }));
});
afterEach(async () => {
  for (const id of await runtime.listRunning()) await runtime.remove(id);
  await client.stop();
  await hub.close();
});

const call = (op: string, args: unknown) => callBroker(hub.runtime, brokerId, op, args);

async function screenOf(agentId: string, needle: string): Promise<string> {
  const deadline = Date.now() + 8000;
  for (;;) {
    const screen = (await runtime.capture(agentId).catch(() => "")).replace(/\n/g, "");
    if (screen.includes(needle) || Date.now() > deadline) return screen;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("starting a harness CLI on a broker", () => {
  it("configures HOME, passes model, task, credentials and the CLI's directory; resumes only when a session exists", async () => {
    const agentId = crypto.randomUUID();
    const base = {
      agentId,
      harness: "claude",
      task: "fix the bug",
      model: "claude-opus-4",
      env: { PLAIN: "yes", SCION_EVIL: "x" },
      instructions: "Be brief.",
    };
    const credentials = {
      env: { ANTHROPIC_API_KEY: "sk-ant-test-123" },
      files: [{ path: ".claude/.credentials.json", value: '{"token":"t"}' }],
    };
    await call("agent.start", { ...base, resume: true, credentials });
    let screen = await screenOf(agentId, "instructions=");
    // No session yet: the task, not --continue.
    expect(screen).toContain('argv=["--dangerously-skip-permissions","--model","claude-opus-4","fix the bug"]');
    expect(screen).toContain("key=sk-ant-test-123 plain=yes scion=none");
    expect(screen).toContain("path-has-bin=true");
    expect(screen).toContain('cred={"token":"t"}');
    expect(screen).toContain(`hook=${process.execPath} ${shimBundle} hook --dialect claude`);
    expect(screen).toContain("instructions=Be brief.");
    const home = runtime.homeOf(agentId);
    const owner = runtime.fileOwner(agentId);
    if (owner) expect(fs.statSync(path.join(home, ".claude", ".credentials.json")).uid).toBe(owner.uid);
    expect(fs.statSync(path.join(home, ".claude", ".credentials.json")).mode & 0o777).toBe(0o600);

    await call("agent.stop", { agentId });
    // The harness kept a conversation: a restart with resume continues it, a fresh one does not.
    fs.mkdirSync(path.join(home, ".claude", "projects", "-w"), { recursive: true });
    fs.writeFileSync(path.join(home, ".claude", "projects", "-w", "s.jsonl"), "{}\n");
    await call("agent.start", { ...base, resume: true });
    screen = await screenOf(agentId, "argv=");
    expect(screen).toContain('argv=["--dangerously-skip-permissions","--model","claude-opus-4","--continue"]');
    await call("agent.stop", { agentId });
    await call("agent.start", { ...base, resume: false });
    screen = await screenOf(agentId, "argv=");
    expect(screen).toContain('argv=["--dangerously-skip-permissions","--model","claude-opus-4","fix the bug"]');
  });

  it("a template's start: its files land in the workspace and HOME, its settings merge under the hub's, its system prompt is passed", async () => {
    const agentId = crypto.randomUUID();
    await call("agent.start", {
      agentId,
      harness: "claude",
      task: "go",
      instructions: "House rules.",
      systemPrompt: "You are terse.",
      harnessSettings: { theme: "dark", hooks: { Stop: [] } },
      files: [
        { path: "docs/NOTES.md", content: "notes", target: "workspace" },
        { path: ".config/tool.json", content: "{}", target: "home" },
      ],
      credentials: { env: { ANTHROPIC_API_KEY: "sk-ant-test-123" }, files: [] },
    });
    const screen = await screenOf(agentId, "instructions=");
    expect(screen).toContain('argv=["--dangerously-skip-permissions","--system-prompt","You are terse.","go"]');
    expect(screen).toContain(`hook=${process.execPath} ${shimBundle} hook --dialect claude`);
    expect(screen).toContain("instructions=House rules.");
    const home = runtime.homeOf(agentId);
    const workspace = runtime.workspaceOf(agentId);
    expect(fs.readFileSync(path.join(workspace, "docs", "NOTES.md"), "utf8")).toBe("notes");
    expect(fs.readFileSync(path.join(home, ".config", "tool.json"), "utf8")).toBe("{}");
    expect(JSON.parse(fs.readFileSync(path.join(home, ".claude", "settings.json"), "utf8")).theme).toBe("dark");
    const owner = runtime.fileOwner(agentId);
    if (owner) expect(fs.statSync(path.join(workspace, "docs", "NOTES.md")).uid).toBe(owner.uid);

    // A file aimed into the workspace's .git fails the start before the session exists.
    const other = crypto.randomUUID();
    await expect(
      call("agent.start", {
        agentId: other,
        harness: "claude",
        files: [{ path: ".git/config", content: "[core]", target: "workspace" }],
      }),
    ).rejects.toMatchObject({
      message: expect.stringContaining("refusing to write a template file outside the agent's workspace"),
    });
    expect(await runtime.isRunning(other)).toBe(false);
  });

  it("refuses credential files outside HOME and unknown fields before writing anything; a missing CLI fails the start clearly", async () => {
    const agentId = crypto.randomUUID();
    for (const files of [[{ path: "../escape", value: "x" }], [{ path: "/etc/escape", value: "x" }]]) {
      await expect(
        call("agent.start", { agentId, harness: "claude", credentials: { env: {}, files } }),
      ).rejects.toMatchObject({
        code: "validation_error",
        message: expect.stringMatching(/credentials\.files\.0\.path: must be a path relative to HOME/),
      });
    }
    await expect(
      call("agent.start", { agentId, harness: "claude", credentials: { env: {}, files: [], extra: 1 } }),
    ).rejects.toMatchObject({ code: "validation_error" });
    expect(fs.existsSync(runtime.agentDirOf(agentId))).toBe(false);
    await expect(call("agent.start", { agentId, harness: "codex", task: "x" })).rejects.toMatchObject({
      message: expect.stringContaining(
        `SCION_HARNESS_CODEX_BIN=${path.join(scratch, "no-such-codex")} is not an executable file`,
      ),
    });
    expect(await runtime.isRunning(agentId)).toBe(false);
  });

  it("interrupt presses the harness's own key: Escape for Claude Code, C-c for a command; conflict when not running", async () => {
    const claudeAgent = crypto.randomUUID();
    await call("agent.start", { agentId: claudeAgent, harness: "claude", task: "long job" });
    await screenOf(claudeAgent, "instructions=");
    expect(await call("agent.interrupt", { agentId: claudeAgent, harness: "claude" })).toEqual({ interrupted: true });
    expect(await screenOf(claudeAgent, "got 1b")).toContain("got 1b");

    const command = crypto.randomUUID();
    await call("agent.start", {
      agentId: command,
      harness: "generic",
      command: "trap 'echo got-INT' INT; echo ready; while :; do sleep 0.1; done",
    });
    await screenOf(command, "ready");
    expect(await call("agent.interrupt", { agentId: command, harness: "generic" })).toEqual({ interrupted: true });
    expect(await screenOf(command, "got-INT")).toContain("got-INT");

    await expect(call("agent.interrupt", { agentId: crypto.randomUUID(), harness: "claude" })).rejects.toMatchObject({
      code: "conflict",
    });
  });

  it("the hub stores the broker's harness statuses beside its capabilities, and shows install progress only while provisioning there", async () => {
    client.emit("broker.harnesses", {
      harnesses: [
        { id: "claude", available: true, version: "2.1.332", installed: true },
        { id: "shell", available: true, version: null, installed: false },
      ],
    });
    const broker = await until(
      () => hub.runtime.prisma.runtimeBroker.findUniqueOrThrow({ where: { id: brokerId } }),
      (b) => "harnessStatus" in (b.capabilities as object),
    );
    expect(broker.capabilities).toEqual({
      runtimes: ["local"],
      harnesses: ["shell", "claude"],
      harnessStatus: {
        claude: { available: true, version: "2.1.332", installed: true },
        shell: { available: true, version: null, installed: false },
      },
    });

    const owner = await hub.runtime.prisma.user.create({ data: { email: `o-${crypto.randomUUID()}@example.com` } });
    const project = await hub.runtime.prisma.project.create({
      data: { slug: `p-${crypto.randomUUID().slice(0, 8)}`, name: "p" },
    });
    const mk = (phase: "provisioning" | "running") =>
      hub.runtime.prisma.agent.create({
        data: {
          slug: crypto.randomUUID().slice(0, 8),
          name: "a",
          projectId: project.id,
          brokerId,
          harness: "claude",
          phase,
          createdBy: `user:${owner.id}`,
          ownerId: owner.id,
        },
      });
    const provisioning = await mk("provisioning");
    const running = await mk("running");
    client.emit("agent.detail", { agentId: running.id, detail: "installing Claude Code 2.1.332" });
    client.emit("agent.detail", { agentId: provisioning.id, detail: "installing Claude Code 2.1.332" });
    const after = await until(
      () => hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: provisioning.id } }),
      (a) => a.detail !== null,
    );
    expect(after.detail).toBe("installing Claude Code 2.1.332");
    expect((await hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: running.id } })).detail).toBeNull();
  });
});
