import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintAgentToken } from "../../lib/auth/agent-token";
import { RESET_CONFIRM_SPREAD_MS } from "../../agent/run-agent";
import { startTestHub, type TestHub } from "../start-test-hub";
import { until } from "../until";

const ROOT = path.resolve(import.meta.dirname, "../..");
let t: TestHub;
let projectId: string;

beforeAll(async () => {
  t = await startTestHub();
  projectId = (await t.hub.runtime.prisma.project.create({ data: { slug: "shim", name: "shim" } })).id;
});
afterAll(async () => {
  await t.close();
});

let n = 0;
async function agentWithTokenFile() {
  const { prisma, sessionSecret } = t.hub.runtime;
  const agent = await prisma.agent.create({
    data: { slug: `a${++n}`, name: `a${n}`, projectId, createdBy: "user:x", ownerId: "user:x" },
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-shim-"));
  const tokenFile = path.join(dir, "agent-token");
  fs.writeFileSync(tokenFile, `${(await mintAgentToken(sessionSecret, agent)).token}\n`, { mode: 0o600 });
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "test",
    SCION_HUB_URL: t.url,
    SCION_AGENT_ID: agent.id,
    SCION_AGENT_TOKEN_FILE: tokenFile,
    SCION_HEARTBEAT_MS: "150",
  };
  return { agent, tokenFile, env };
}

function shim(env: Record<string, string | undefined>, args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", "agent/main.ts", ...args], {
    cwd: ROOT,
    env: { NODE_ENV: "test", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, out: () => out, err: () => err };
}

const row = (id: string) => t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id } });

describe("scion-agent run", () => {
  it("reports starting, running, heartbeats, and error with the exit code when the harness fails", async () => {
    const { agent, env } = await agentWithTokenFile();
    const s = shim(env, ["run", "--", "sh", "-c", "sleep 1; exit 3"]);
    await until(async () => (await row(agent.id)).phase === "running");
    const seen = (await row(agent.id)).lastSeen!;
    await until(async () => (await row(agent.id)).lastSeen! > seen);
    expect(await s.exited).toBe(3);
    const history = await t.hub.runtime.prisma.agentStateChange.findMany({
      where: { agentId: agent.id },
      orderBy: { createdAt: "asc" },
    });
    expect(history.map((h) => h.phase)).toEqual(["starting", "running", "error"]);
    expect((await row(agent.id)).detail).toBe("the harness exited with code 3");
  });

  it("after reset-auth, SIGUSR2 makes it use the new token at once and confirm it with a heartbeat within seconds", async () => {
    const { agent, tokenFile, env } = await agentWithTokenFile();
    const s = shim({ ...env, SCION_HEARTBEAT_MS: "600000" }, ["run", "--", "sleep", "30"]);
    await until(async () => (await row(agent.id)).phase === "running");
    // Reset auth: every old token dies, a new one lands in the file.
    const bumped = await t.hub.runtime.prisma.agent.update({
      where: { id: agent.id },
      data: { tokenVersion: { increment: 1 } },
    });
    fs.writeFileSync(tokenFile, `${(await mintAgentToken(t.hub.runtime.sessionSecret, bumped)).token}\n`, {
      mode: 0o600,
    });
    const before = (await row(agent.id)).lastSeen!;
    s.child.kill("SIGUSR2");
    await until(() => s.err().includes("re-read the token file"));
    // A hook's report right after goes out with the new token (the old one would get 401).
    const hook = net.connect(path.join(path.dirname(tokenFile), "hook.sock"));
    hook.end(`${JSON.stringify({ hookEvent: "tool-start", activity: "executing", detail: "just after the reset" })}\n`);
    await until(async () => (await row(agent.id)).detail === "just after the reset");
    // The confirming heartbeat comes within RESET_CONFIRM_SPREAD_MS, long before the next regular one (10 min).
    await until(
      async () => (await row(agent.id)).lastSeen! > before,
      "the confirming heartbeat",
      RESET_CONFIRM_SPREAD_MS + 5000,
    );
    expect(s.err()).not.toContain("status report failed");
    s.child.kill("SIGTERM");
    await s.exited;
    await until(async () => ["stopped", "error", "stopping"].includes((await row(agent.id)).phase));
  });

  it("shims reset together confirm at different moments, spread over a few seconds", async () => {
    const agents = await Promise.all(Array.from({ length: 8 }, () => agentWithTokenFile()));
    const shims = agents.map(({ env }) => shim({ ...env, SCION_HEARTBEAT_MS: "600000" }, ["run", "--", "sleep", "60"]));
    try {
      await until(async () => {
        const rows = await Promise.all(agents.map(({ agent }) => row(agent.id)));
        return rows.every((r) => r.phase === "running");
      });
      const before = await Promise.all(agents.map(async ({ agent }) => (await row(agent.id)).lastSeen!));
      for (const s of shims) s.child.kill("SIGUSR2");
      const confirmed = await until(
        async () => {
          const seen = await Promise.all(
            agents.map(async ({ agent }, i) => {
              const lastSeen = (await row(agent.id)).lastSeen!;
              return lastSeen > before[i]! ? lastSeen.getTime() : undefined;
            }),
          );
          return seen.every((t) => t !== undefined) ? (seen as number[]) : undefined;
        },
        "every shim's confirming heartbeat",
        RESET_CONFIRM_SPREAD_MS + 10_000,
      );
      // Eight moments drawn over 5 s all fall within one second of each other about once in 10,000 runs.
      expect(Math.max(...confirmed) - Math.min(...confirmed)).toBeGreaterThan(1000);
    } finally {
      for (const s of shims) s.child.kill("SIGTERM");
      await Promise.all(shims.map((s) => s.exited));
    }
  });
});

describe("scion-agent report", () => {
  it("reports the activity a harness hook gives, with the agent's token; refuses what is not an activity", async () => {
    const { agent, env } = await agentWithTokenFile();
    await t.hub.runtime.prisma.agent.update({ where: { id: agent.id }, data: { phase: "running", activity: "idle" } });
    const ok = shim(env, ["report", "--activity", "thinking", "--detail", "reading the repo"]);
    expect(await ok.exited).toBe(0);
    expect(await row(agent.id)).toMatchObject({ activity: "thinking", detail: "reading the repo" });
    const bad = shim(env, ["report", "--activity", "offline"]);
    expect(await bad.exited).toBe(2);
    expect(bad.err()).toContain("activity: Invalid option");
    expect((await row(agent.id)).activity).toBe("thinking");
  });
});

describe("scion-agent doctor", () => {
  it("passes every check for a healthy agent", async () => {
    const { env } = await agentWithTokenFile();
    const d = shim(env, ["doctor"]);
    expect(await d.exited).toBe(0);
    for (const name of ["environment", "token file", "token expiry", "hub reachable", "token accepted"])
      expect(d.out()).toMatch(new RegExp(`^ok +${name}: `, "m"));
  });

  it("says what is wrong and how to fix it", async () => {
    const { agent, tokenFile, env } = await agentWithTokenFile();
    fs.chmodSync(tokenFile, 0o644);
    await t.hub.runtime.prisma.agent.update({ where: { id: agent.id }, data: { tokenVersion: { increment: 1 } } });
    const d = shim(env, ["doctor"]);
    expect(await d.exited).toBe(1);
    expect(d.out()).toContain(
      `FAIL token file: ${tokenFile} is readable by others (mode 644)\n     fix: chmod 600 ${tokenFile}`,
    );
    expect(d.out()).toContain(
      "FAIL token accepted: the hub answered HTTP 401\n     fix: the token was replaced or revoked: use Reset Auth on the agent",
    );
    const unreachable = shim({ ...env, SCION_HUB_URL: "http://127.0.0.1:1" }, ["doctor"]);
    expect(await unreachable.exited).toBe(1);
    expect(unreachable.out()).toMatch(
      /FAIL hub reachable: .*\n {5}fix: check the network path to http:\/\/127\.0\.0\.1:1/,
    );
    const noEnv = shim({ PATH: process.env.PATH, HOME: process.env.HOME }, ["doctor"]);
    expect(await noEnv.exited).toBe(1);
    expect(noEnv.out()).toContain("FAIL environment:");
  });
});
