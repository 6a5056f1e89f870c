import { execFileSync } from "node:child_process";
import http from "node:http";
import type net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { LocalRuntime } from "../../broker/runtimes/local-runtime";
import { mintAgentToken } from "../../lib/auth/agent-token";
import { TUNNEL_PATH, TUNNEL_PROTOCOL } from "../../lib/brokers/channel/protocol";
import { signBrokerRequest } from "../../lib/brokers/hmac";
import { encodeSessionCookie, SESSION_COOKIE } from "../../lib/auth/session-cookie";
import type { AgentJson } from "../../lib/agents/schemas";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { until } from "../until";

/** The browser terminal for real: WebSocket → hub → tunnel dialed by the broker → PTY → tmux attach. */
let t: TestHub;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;
let projectId: string;
let tmux: LocalRuntime;

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;

beforeAll(async () => {
  t = await startTestHub({ SCION_LOCAL_BROKER: "true" }, { localBroker: true });
  [alice, bob, admin] = await Promise.all([t.createUser(), t.createUser(), t.createUser({ role: "admin" })]);
  projectId = (
    await json<{ id: string }>(await alice.request("/api/v1/projects", { method: "POST", json: { name: "terminals" } }))
  ).id;
  await until(
    async () => (await t.hub.runtime.prisma.runtimeBroker.count({ where: { status: "online" } })) > 0,
    "the local broker",
    60_000,
  );
  tmux = new LocalRuntime(path.join(t.dataDir, "broker"));
}, 120_000);
afterAll(async () => {
  await t?.close();
});

async function runningAgent(name: string, body: Record<string, unknown>) {
  const agent = await json<AgentJson>(
    await alice.request("/api/v1/agents", { method: "POST", json: { projectId, name, start: true, ...body } }),
  );
  expect(agent.phase).toBe("running");
  return agent;
}

interface Terminal {
  ws: WebSocket;
  text: () => string;
  bytes: () => number;
  controls: Array<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
}

function openTerminal(agentId: string, headers: Record<string, string>, query = "cols=100&rows=30"): Promise<Terminal> {
  const ws = new WebSocket(`${t.url.replace("http", "ws")}/api/v1/agents/${agentId}/pty?${query}`, { headers });
  const chunks: Buffer[] = [];
  let total = 0;
  const controls: Array<Record<string, unknown>> = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on("message", (data, isBinary) => {
    if (isBinary) {
      const buf = data as Buffer;
      total += buf.length;
      if (chunks.length < 10_000) chunks.push(buf);
    } else controls.push(JSON.parse(data.toString()) as Record<string, unknown>);
  });
  return new Promise((resolve, reject) => {
    ws.once("open", () =>
      resolve({ ws, text: () => Buffer.concat(chunks).toString("utf8"), bytes: () => total, controls, closed }),
    );
    ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once("error", reject);
  });
}

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms)),
  ]);
const bearer = (user: TestUser) => ({ authorization: `Bearer ${user.token}` });
const paneSize = (id: string) =>
  execFileSync("tmux", [
    ...tmux.serverArgs(id),
    "display-message",
    "-p",
    "-t",
    `=scion-${id}:`,
    "#{window_width}x#{window_height}",
  ])
    .toString()
    .trim();

describe("terminal relay", () => {
  it("refuses before the upgrade: anonymous 401, an agent token 403, another member 404, a foreign page 403, a stopped agent 409", async () => {
    const agent = await runningAgent("guarded", { harness: "generic", command: "exec cat" });
    const row = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: agent.id } });
    const { token: agentToken } = await mintAgentToken(t.hub.runtime.sessionSecret, row);
    const cookie = `${SESSION_COOKIE}=${await encodeSessionCookie(t.hub.runtime.sessionSecret, { id: alice.user.id, email: alice.user.email!, name: null })}`;
    await expect(openTerminal(agent.id, {})).rejects.toThrow("upgrade refused: 401");
    await expect(openTerminal(agent.id, { authorization: `Bearer ${agentToken}` })).rejects.toThrow(
      "upgrade refused: 403",
    );
    await expect(openTerminal(agent.id, bearer(bob))).rejects.toThrow("upgrade refused: 404");
    await expect(openTerminal(agent.id, { cookie, origin: "https://evil.example" })).rejects.toThrow(
      "upgrade refused: 403",
    );
    await expect(openTerminal(agent.id, bearer(alice), "cols=5000&rows=30")).rejects.toThrow("upgrade refused: 400");
    // The owner's own page (same origin) and an admin are let in.
    const own = await openTerminal(agent.id, { cookie, origin: t.url });
    own.ws.close();
    const byAdmin = await openTerminal(agent.id, bearer(admin));
    byAdmin.ws.close();
    await alice.request(`/api/v1/agents/${agent.id}/stop`, { method: "POST" });
    await expect(openTerminal(agent.id, bearer(alice))).rejects.toThrow("upgrade refused: 409");
  });

  it("relays keystrokes and output, resizes the session, and a reconnect re-attaches to the same session with its current screen", async () => {
    // A short prompt: a prompt wider than the terminal is redrawn over earlier lines on resize.
    const agent = await runningAgent("shell", {
      harness: "generic",
      command: "PS1='$ ' exec bash --norc --noprofile -i",
    });
    const first = await openTerminal(agent.id, bearer(alice));
    await until(() => first.controls.some((c) => c.type === "attached"), "the attached notice");
    first.ws.send(Buffer.from("echo relay-$((40+2))\r"), { binary: true });
    await until(() => first.text().includes("relay-42"), "the command's output");
    first.ws.send(JSON.stringify({ type: "resize", cols: 132, rows: 43 }));
    // 43 rows for the terminal, one of them tmux's status line.
    await until(
      () => paneSize(agent.id) === "132x42",
      `the session to take the new size (it is ${paneSize(agent.id)})`,
    );
    first.ws.send("not json");
    await until(() => first.controls.some((c) => c.type === "error"), "an error for a malformed control frame");
    first.ws.close();
    await first.closed;

    const second = await openTerminal(agent.id, bearer(alice));
    // tmux redraws the current screen for the new client: the earlier output is there.
    await until(() => second.text().includes("relay-42"), "the current screen after reconnecting");
    expect(await tmux.isRunning(agent.id)).toBe(true);
    second.ws.close();
  });

  it("flow control: a flood of output while the browser reads nothing stays bounded at the hub", async () => {
    const agent = await runningAgent("flood", { harness: "generic", command: "exec yes flooding-the-terminal" });
    const term = await openTerminal(agent.id, bearer(alice));
    await until(() => term.bytes() > 0, "output");
    // The browser stops reading: its kernel buffers fill, then the hub's socket towards it, then
    // the tunnel's, then the broker's WebSocket, which pauses the PTY.
    term.ws.pause();
    await new Promise((r) => setTimeout(r, 1500));
    const localPort = (term.ws as unknown as { _socket: net.Socket })._socket.localPort;
    const terminal = [...t.hub.runtime.brokers.values()]
      .flatMap((c) => [...c.terminals.values()])
      .find((x) => (x.socket as net.Socket).remotePort === localPort);
    expect(terminal).toBeDefined();
    const socket = terminal!.socket as net.Socket;
    const writtenBefore = socket.bytesWritten;
    const queuedBefore = socket.writableLength;
    await new Promise((r) => setTimeout(r, 1000));
    // Throttled to a trickle (the kernel's socket buffers still grow a little), where an unread
    // flood would otherwise pour out megabytes a second; what waits in the hub stays small.
    expect(socket.bytesWritten - writtenBefore).toBeLessThan(1024 * 1024);
    expect(socket.writableLength).toBeLessThanOrEqual(512 * 1024);
    expect(queuedBefore).toBeLessThanOrEqual(512 * 1024);
    // Reading again resumes the flow (at tmux's pace: it redraws a flooding pane for a slow client).
    const received = term.bytes();
    term.ws.resume();
    await until(() => term.bytes() > received + 1024 * 1024, "the flood to resume", 20_000);
    term.ws.close();
    await alice.request(`/api/v1/agents/${agent.id}/stop`, { method: "POST" });
  });

  it("a terminal tunnel is joined only for its own broker's open terminal: unsigned 401, another broker's stream 404", async () => {
    const agent = await runningAgent("tunnelled", { harness: "generic", command: "exec cat" });
    const term = await openTerminal(agent.id, bearer(alice));
    await until(() => term.controls.some((c) => c.type === "attached"), "attached");
    // A second broker, joined properly, knows its own secret but not the local broker's streams.
    const reg = await json<{ joinToken: string }>(
      await admin.request("/api/v1/runtime-brokers", { method: "POST", json: { name: "prober" } }),
    );
    const joined = await json<{ brokerId: string; secret: string }>(
      await fetch(`${t.url}/api/v1/runtime-brokers/join`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ joinToken: reg.joinToken, hostname: "prober-host" }),
      }),
    );
    const dial = (headers: Record<string, string>, query: string) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(`${t.url}${TUNNEL_PATH}?${query}`, {
          headers: { ...headers, connection: "Upgrade", upgrade: TUNNEL_PROTOCOL },
        });
        req.once("response", (res) => (res.resume(), resolve(res.statusCode ?? 0)));
        req.once("upgrade", (_res, socket) => (socket.destroy(), resolve(101)));
        req.once("error", reject);
        req.end();
      });
    const streams = [...t.hub.runtime.brokers.values()].flatMap((c) => [...c.terminals.keys()]);
    expect(streams.length).toBeGreaterThan(0);
    for (const stream of streams) {
      expect(await dial({}, `stream=${stream}`)).toBe(401);
      const signed = signBrokerRequest(
        { method: "GET", path: TUNNEL_PATH, query: `stream=${stream}` },
        joined.brokerId,
        joined.secret,
      );
      expect(await dial(signed, `stream=${stream}`)).toBe(404);
    }
    // The open terminal is untouched by the probes.
    term.ws.send(Buffer.from("still-here\r"), { binary: true });
    await until(() => term.text().includes("still-here"), "the terminal still relaying");
    term.ws.close();
    await alice.request(`/api/v1/agents/${agent.id}/stop`, { method: "POST" });
  });

  it("the session outlives its terminal, and a terminal ends when the session does", async () => {
    const agent = await runningAgent("ending", { harness: "generic", command: "exec cat" });
    const term = await openTerminal(agent.id, bearer(alice));
    await until(() => term.controls.some((c) => c.type === "attached"), "attached");
    await alice.request(`/api/v1/agents/${agent.id}/stop`, { method: "POST" });
    const { code } = await term.closed;
    expect(code).toBe(1000);
  });

  it("a suspended person is refused at the upgrade, by token and by cookie, even as the agent's owner or an admin", async () => {
    const [owner, boss] = await Promise.all([t.createUser(), t.createUser({ role: "admin" })]);
    const agent = await json<AgentJson>(
      await owner.request("/api/v1/agents", {
        method: "POST",
        json: { projectId, name: "suspended-owner", start: true, harness: "generic", command: "exec cat" },
      }),
    );
    expect(agent.phase).toBe("running");
    (await openTerminal(agent.id, bearer(owner))).ws.close();
    await t.hub.runtime.prisma.user.updateMany({
      where: { id: { in: [owner.user.id, boss.user.id] } },
      data: { status: "suspended" },
    });
    for (const who of [owner, boss]) {
      const cookie = `${SESSION_COOKIE}=${await encodeSessionCookie(t.hub.runtime.sessionSecret, who.user)}`;
      await expect(openTerminal(agent.id, bearer(who))).rejects.toThrow("upgrade refused: 403");
      await expect(openTerminal(agent.id, { cookie, origin: t.url })).rejects.toThrow("upgrade refused: 403");
    }
    await admin.request(`/api/v1/agents/${agent.id}/stop`, { method: "POST" });
  });

  it("an open terminal closes within seconds when its person is suspended, or when an admin is demoted on someone else's agent", async () => {
    const [owner, boss] = await Promise.all([t.createUser(), t.createUser({ role: "admin" })]);
    const agent = await json<AgentJson>(
      await owner.request("/api/v1/agents", {
        method: "POST",
        json: { projectId, name: "revoked", start: true, harness: "generic", command: "exec cat" },
      }),
    );
    expect(agent.phase).toBe("running");
    const cookie = `${SESSION_COOKIE}=${await encodeSessionCookie(t.hub.runtime.sessionSecret, owner.user)}`;
    const [byOwner, byBoss] = await Promise.all([
      openTerminal(agent.id, { cookie, origin: t.url }),
      openTerminal(agent.id, bearer(boss)),
    ]);
    await until(
      () => byOwner.controls.some((c) => c.type === "attached") && byBoss.controls.some((c) => c.type === "attached"),
      "both attached",
    );

    let started = Date.now();
    expect(
      (await admin.request(`/api/v1/users/${boss.user.id}`, { method: "PATCH", json: { role: "member" } })).status,
    ).toBe(200);
    expect(await within(byBoss.closed, 5000)).toEqual({
      code: 4403,
      reason: expect.stringContaining("access revoked"),
    });
    expect(Date.now() - started).toBeLessThan(5000);

    started = Date.now();
    expect(
      (await admin.request(`/api/v1/users/${owner.user.id}`, { method: "PATCH", json: { status: "suspended" } }))
        .status,
    ).toBe(200);
    expect(await within(byOwner.closed, 5000)).toEqual({
      code: 4403,
      reason: expect.stringContaining("access revoked"),
    });
    expect(Date.now() - started).toBeLessThan(5000);
    // The agent itself runs on: only the person's access ended.
    expect(await tmux.isRunning(agent.id)).toBe(true);
    await admin.request(`/api/v1/agents/${agent.id}/stop`, { method: "POST" });
  });
});
