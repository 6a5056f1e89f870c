import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HookRelay } from "../../agent/hook-relay";
import { HubRequestError } from "../../agent/hub-client";
import { installAgentShim } from "../../broker/agent-shim";
import { mintAgentToken } from "../../lib/auth/agent-token";
import { startTestHub, type TestHub } from "../start-test-hub";
import { until } from "../until";

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/hooks");
const fixture = (dialect: string, name: string) =>
  fs.readFileSync(path.join(FIXTURES, dialect, `${name}.json`), "utf8");

let t: TestHub;
let projectId: string;
let bundle: string;
let hookBundle: string;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "scion-hook-"));
  // The bundled shim, as the broker installs it: what a harness's hook really runs.
  ({ bundle, hookBundle } = await installAgentShim(tmp));
  t = await startTestHub();
  projectId = (await t.hub.runtime.prisma.project.create({ data: { slug: "hooks", name: "hooks" } })).id;
});
afterAll(async () => {
  await t.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

/** Runs `scion-agent hook` from the bundle, the event on stdin (or as arguments), like a harness does. */
function runHook(args: string[], env: Record<string, string>, stdin?: string): Promise<Run> {
  const started = performance.now();
  const child = spawn(process.execPath, [hookBundle, "hook", ...args], {
    env: { NODE_ENV: "test", PATH: process.env.PATH!, HOME: tmp, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdin.on("error", () => undefined);
  child.stdin.end(stdin ?? "");
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      resolve({ code, stdout, stderr, wallMs: performance.now() - started });
    }),
  );
}

/** A stand-in for the shim's socket: collects the lines hooks write. */
async function socketListener() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hk-"));
  const socketPath = path.join(dir, "hook.sock");
  const lines: string[] = [];
  const server = net.createServer((s) => {
    let buf = "";
    s.on("data", (d) => (buf += d.toString()));
    s.on("end", () => lines.push(...buf.split("\n").filter(Boolean)));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    /** The reports received since the last call. */
    async take(expected: number): Promise<unknown[]> {
      await until(() => lines.length >= expected, `${expected} report(s)`, 5000);
      await new Promise((r) => setTimeout(r, 20));
      return lines.splice(0).map((l) => JSON.parse(l) as unknown);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const LAST = "All done: proof written.";

describe("scion-agent hook: each dialect's real payloads", () => {
  const cases: Array<[dialect: string, event: string, report: Record<string, unknown> | null]> = [
    ["claude", "SessionStart", { hookEvent: "session-start", activity: "idle", detail: null }],
    ["claude", "UserPromptSubmit", { hookEvent: "prompt-submit", activity: "thinking", detail: null }],
    ["claude", "PreToolUse", { hookEvent: "tool-start", activity: "executing", detail: "Bash" }],
    ["claude", "PostToolUse", { hookEvent: "tool-end", activity: "thinking", detail: null }],
    ["claude", "Stop", { hookEvent: "turn-end", activity: "idle", detail: null, lastOutput: LAST }],
    [
      "claude",
      "Notification.handwritten",
      { hookEvent: "notification", activity: "waiting_for_input", detail: "Claude needs your permission to use Bash" },
    ],
    ["claude", "SessionEnd", { hookEvent: "session-end" }],
    ["gemini", "SessionStart", { hookEvent: "session-start", activity: "idle", detail: null }],
    ["gemini", "BeforeAgent", { hookEvent: "prompt-submit", activity: "thinking", detail: null }],
    ["gemini", "BeforeModel", { hookEvent: "model-start", activity: "thinking", detail: null }],
    ["gemini", "AfterModel", { hookEvent: "model-end" }],
    ["gemini", "BeforeTool", { hookEvent: "tool-start", activity: "executing", detail: "run_shell_command" }],
    ["gemini", "AfterTool", { hookEvent: "tool-end", activity: "thinking", detail: null }],
    ["gemini", "AfterAgent", { hookEvent: "turn-end", activity: "idle", detail: null, lastOutput: LAST }],
    ["gemini", "SessionEnd", { hookEvent: "session-end" }],
    ["codex", "UserPromptSubmit", { hookEvent: "prompt-submit", activity: "thinking", detail: null }],
    ["codex", "PreToolUse", { hookEvent: "tool-start", activity: "executing", detail: "Bash" }],
    ["codex", "Stop", { hookEvent: "turn-end", activity: "idle", detail: null, lastOutput: LAST }],
  ];

  it("maps every event to its report, hands it to the shim's socket, prints what the harness expects and exits 0", async () => {
    const listener = await socketListener();
    try {
      for (const [dialect, event, report] of cases) {
        const run = await runHook(
          ["--dialect", dialect],
          { SCION_AGENT_HOOK_SOCKET: listener.socketPath },
          fixture(dialect, event),
        );
        expect(run.code, `${dialect} ${event}`).toBe(0);
        // Gemini CLI parses stdout (or else stderr) as the hook's JSON answer; Claude Code adds a prompt hook's stdout to the chat.
        expect([run.stdout, run.stderr], `${dialect} ${event}`).toEqual([dialect === "gemini" ? "{}\n" : "", ""]);
        expect(await listener.take(1), `${dialect} ${event}`).toEqual([report]);
      }
      // Codex's notify: the event is the last argument, stdin is empty.
      const notify = await runHook(["--dialect", "codex", fixture("codex", "notify")], {
        SCION_AGENT_HOOK_SOCKET: listener.socketPath,
      });
      expect([notify.code, notify.stdout]).toEqual([0, ""]);
      expect(await listener.take(1)).toEqual([
        { hookEvent: "turn-end", activity: "idle", detail: null, lastOutput: LAST },
      ]);
    } finally {
      await listener.close();
    }
  });

  it("without last_assistant_message, Claude's Stop reads the last assistant text from the transcript", async () => {
    const listener = await socketListener();
    const transcript = path.join(tmp, "transcript.jsonl");
    const lines = [
      { type: "user", message: { role: "user", content: "Create proof.txt" } },
      { type: "assistant", message: { role: "assistant", content: [{ type: "text", text: "I will write it." }] } },
      {
        type: "assistant",
        message: {
          role: "assistant",
          content: [{ type: "tool_use", id: "t1", name: "Bash", input: { command: "echo" } }],
        },
      },
      { type: "user", message: { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "" }] } },
      {
        type: "assistant",
        message: { role: "assistant", content: [{ type: "text", text: "  Written:\nproof.txt  " }] },
      },
    ];
    // The CLI may be writing its next line: a half line at the end is skipped.
    fs.writeFileSync(transcript, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n{"type":"assist`);
    const stop = JSON.parse(fixture("claude", "Stop")) as Record<string, unknown>;
    delete stop.last_assistant_message;
    stop.transcript_path = transcript;
    try {
      const run = await runHook(
        ["--dialect", "claude"],
        { SCION_AGENT_HOOK_SOCKET: listener.socketPath },
        JSON.stringify(stop),
      );
      expect(run.code).toBe(0);
      expect(await listener.take(1)).toEqual([
        { hookEvent: "turn-end", activity: "idle", detail: null, lastOutput: "Written:\nproof.txt" },
      ]);
    } finally {
      await listener.close();
    }
  });

  it("says nothing for events that change nothing (/clear, an unknown event, garbage) and still exits 0", async () => {
    const listener = await socketListener();
    const env = { SCION_AGENT_HOOK_SOCKET: listener.socketPath };
    try {
      const clear = JSON.stringify({ ...(JSON.parse(fixture("claude", "SessionEnd")) as object), reason: "clear" });
      for (const [args, stdin] of [
        [["--dialect", "claude"], clear],
        [["--dialect", "claude"], JSON.stringify({ hook_event_name: "PreCompact" })],
        [["--dialect", "gemini"], "not json"],
        [["--dialect", "cobol"], fixture("claude", "PreToolUse")],
        [[], fixture("claude", "PreToolUse")],
      ] as Array<[string[], string]>) {
        const run = await runHook(args, env, stdin);
        expect([run.code, run.stderr], `${args.join(" ")} ${stdin.slice(0, 40)}`).toEqual([0, ""]);
      }
      // A last real event: only it arrives.
      await runHook(["--dialect", "claude"], env, fixture("claude", "PreToolUse"));
      expect(await listener.take(1)).toEqual([{ hookEvent: "tool-start", activity: "executing", detail: "Bash" }]);
    } finally {
      await listener.close();
    }
  });
});

describe("scion-agent hook: the hub away", () => {
  it("with no shim socket and a hub that never answers, it gives up on its own and exits 0 in time", async () => {
    // Accepts connections and never answers: the worst outage for a caller with no timeout of its own.
    const held: net.Socket[] = [];
    const blackhole = net.createServer((s) => held.push(s));
    await new Promise<void>((resolve) => blackhole.listen(0, "127.0.0.1", resolve));
    const port = (blackhole.address() as net.AddressInfo).port;
    const tokenDir = fs.mkdtempSync(path.join(tmp, "agent-"));
    fs.writeFileSync(path.join(tokenDir, "agent-token"), "scion_a_x.y.z\n", { mode: 0o600 });
    const logFile = path.join(tokenDir, "shim.log");
    const env = {
      SCION_HUB_URL: `http://127.0.0.1:${port}`,
      SCION_AGENT_ID: "00000000-0000-4000-8000-000000000001",
      SCION_AGENT_TOKEN_FILE: path.join(tokenDir, "agent-token"),
      SCION_AGENT_LOG: logFile,
    };
    try {
      const runs: Run[] = [];
      for (const dialect of ["claude", "gemini"])
        runs.push(
          await runHook(
            ["--dialect", dialect],
            env,
            fixture(dialect, dialect === "claude" ? "PreToolUse" : "BeforeTool"),
          ),
        );
      runs.push(await runHook(["--dialect", "codex", fixture("codex", "notify")], env));
      for (const run of runs) expect([run.code, run.stderr]).toEqual([0, ""]);
      expect(runs[1]!.stdout).toBe("{}\n");
      // It did try the hub (once per hook), and left without an answer.
      expect(held.length).toBe(3);
      // Each gave up by itself at its deadline (90 ms after the hook began) and said so in the shim's log. The
      // margin is for a machine this busy: a timer fires late when the process is not scheduled.
      const drops = [
        ...fs
          .readFileSync(logFile, "utf8")
          .matchAll(/hook: (\S+) dropped after (\d+) ms: no shim socket, and the hub did not answer in time/g),
      ];
      expect(drops.map((m) => m[1])).toEqual(["tool-start", "tool-start", "turn-end"]);
      for (const m of drops) expect(Number(m[2])).toBeGreaterThanOrEqual(85);
      for (const m of drops) expect(Number(m[2])).toBeLessThan(200);
      // Node's start and loading the bundle come on top (~60 ms in all on an idle machine; several times that under load).
      for (const run of runs) expect(run.wallMs).toBeLessThan(2000);
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((resolve) => blackhole.close(() => resolve()));
    }
  });
});

describe("scion-agent run relays its harness's hooks to the hub", () => {
  it("a Claude turn's hooks reach the hub in order through the shim's socket (0600): activity history, last output, turn count", async () => {
    const { prisma, sessionSecret } = t.hub.runtime;
    const agent = await prisma.agent.create({
      data: { slug: "relay", name: "relay", projectId, createdBy: "user:x", ownerId: "user:x" },
    });
    const dir = fs.mkdtempSync(path.join(tmp, "agent-"));
    const tokenFile = path.join(dir, "agent-token");
    fs.writeFileSync(tokenFile, `${(await mintAgentToken(sessionSecret, agent)).token}\n`, { mode: 0o600 });
    const hookCmd = (event: string) =>
      `"${process.execPath}" "${hookBundle}" hook --dialect claude < "${path.join(FIXTURES, "claude", `${event}.json`)}"`;
    const script = [
      `stat -c %a "$SCION_AGENT_HOOK_SOCKET" > "${dir}/mode"`,
      ...["SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop"].map(hookCmd),
    ].join(" && ");
    const env = {
      NODE_ENV: "test" as const,
      PATH: process.env.PATH,
      HOME: tmp,
      SCION_HUB_URL: t.url,
      SCION_AGENT_ID: agent.id,
      SCION_AGENT_TOKEN_FILE: tokenFile,
      SCION_AGENT_LOG: path.join(dir, "shim.log"),
    };
    const child = spawn(process.execPath, [bundle, "run", "--", "sh", "-c", script], { env, stdio: "ignore" });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "mode"), "utf8").trim()).toBe("600");
    // The socket is gone with the shim.
    expect(fs.existsSync(path.join(dir, "hook.sock"))).toBe(false);
    const history = await prisma.agentStateChange.findMany({
      where: { agentId: agent.id },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    const shimLog = fs.existsSync(env.SCION_AGENT_LOG) ? fs.readFileSync(env.SCION_AGENT_LOG, "utf8") : "";
    expect(
      history.map((h) => [h.phase, h.activity, h.detail]),
      shimLog,
    ).toEqual([
      ["starting", null, null],
      ["running", "idle", null],
      ["running", "thinking", null],
      ["running", "executing", "Bash"],
      ["running", "thinking", null],
      ["running", "idle", null],
      ["stopped", null, null],
    ]);
    const row = await prisma.agent.findUniqueOrThrow({ where: { id: agent.id } });
    expect([row.lastOutput, row.turnCount]).toEqual([LAST, 1]);
  });
});

describe("the shim's hook relay", () => {
  const quiet = () => {
    const logged: string[] = [];
    return { logged, log: (_level: "info" | "warn", message: string) => void logged.push(message) };
  };

  it("posts in order, waits out an outage and skips what the hub refuses", async () => {
    const sent: unknown[] = [];
    let failures = 2;
    const { logged, log } = quiet();
    const relay = new HookRelay({
      socketPath: path.join(tmp, "unused.sock"),
      log,
      retryMs: [10],
      send: async (body) => {
        if (body.hookEvent === "notification") throw new HubRequestError(400, "bad report");
        if (failures-- > 0) throw new Error("connect ECONNREFUSED");
        sent.push(body.hookEvent);
      },
    });
    relay.release();
    for (const hookEvent of ["prompt-submit", "tool-start", "notification", "tool-end", "turn-end"])
      relay.enqueue({ hookEvent });
    await relay.close(2000);
    expect(sent).toEqual(["prompt-submit", "tool-start", "tool-end", "turn-end"]);
    expect(logged.filter((l) => l.includes("retrying"))).toHaveLength(2);
    expect(logged).toContain("the hub refused a notification report: bad report");
  });

  it("keeps at most maxQueue reports while held or while the hub is away, dropping the oldest and saying so", async () => {
    const sent: unknown[] = [];
    const { logged, log } = quiet();
    const relay = new HookRelay({
      socketPath: path.join(tmp, "unused.sock"),
      log,
      maxQueue: 3,
      send: async (body) => void sent.push(body.n),
    });
    for (let n = 1; n <= 5; n++) relay.enqueue({ hookEvent: "tool-start", n });
    relay.release();
    await relay.close(2000);
    expect(sent).toEqual([3, 4, 5]);
    expect(logged).toContain("dropped 2 hook report(s): the hub was away too long");
  });

  it("drops reports older than maxAgeMs instead of sending what the agent no longer does", async () => {
    const sent: unknown[] = [];
    const { log } = quiet();
    const relay = new HookRelay({
      socketPath: path.join(tmp, "unused.sock"),
      log,
      maxAgeMs: 50,
      send: async (body) => void sent.push(body.n),
    });
    relay.enqueue({ hookEvent: "tool-start", n: 1 });
    await new Promise((r) => setTimeout(r, 80));
    relay.enqueue({ hookEvent: "tool-end", n: 2 });
    relay.release();
    await relay.close(2000);
    expect(sent).toEqual([2]);
  });
});
