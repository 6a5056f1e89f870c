import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { tailLog } from "../../broker/agent-logs";
import { createAgentOperations } from "../../broker/agent-operations";
import { installAgentShim, type ShimInstall } from "../../broker/agent-shim";
import { ControlChannelClient } from "../../broker/control-channel-client";
import { PortPool } from "../../broker/port-pool";
import { PtyRelay } from "../../broker/pty-relay";
import { DockerRuntime } from "../../broker/runtimes/docker-runtime";
import type { AgentJson } from "../../lib/agents/schemas";
import { joinBroker } from "../../lib/brokers/join-broker";
import { registerBroker } from "../../lib/brokers/register-broker";
import { findFreePort } from "../../lib/db/embedded-postgres";
import { startPodman, type Podman } from "../podman";
import { captureLogger } from "../silent-logger";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { until } from "../until";

/**
 * The docker runtime against a real Docker-compatible engine (Podman's API through dockerode):
 * containers, published ports, tmux inside, exec'd terminals, and the whole hub path with the
 * shim reporting from inside the container.
 */
let podman: Podman;
let docker: Docker;
let shim: ShimInstall;
let dataDir: string;
let runtime: DockerRuntime;

beforeAll(async () => {
  podman = await startPodman();
  docker = new Docker({ socketPath: podman.socketPath });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-docker-"));
  shim = await installAgentShim(dataDir);
  runtime = new DockerRuntime({ dataDir, shim, docker, image: podman.image });
}, 180_000);
afterAll(async () => {
  if (runtime) for (const id of await runtime.listRunning()) await runtime.remove(id);
  await podman?.stop();
});

describe("docker runtime (Podman)", () => {
  it("runs an agent in a container with its environment, workspace and published ports; exec'd terminal, messages, signals, stop and remove", async () => {
    const agentId = crypto.randomUUID();
    const port = await findFreePort();
    const server = `require("http").createServer((q, s) => s.end("hello from " + process.env.AGENT_NAME + " in " + process.cwd())).listen(+process.env.AVAILABLE_LOCALHOST_PORT_A, () => console.log("listening"));`;
    await runtime.start({
      agentId,
      argv: ["node", "-e", server],
      env: { AVAILABLE_LOCALHOST_PORT_A: String(port), AGENT_NAME: "box $(not a shell)" },
    });
    expect(await runtime.isRunning(agentId)).toBe(true);
    expect(await runtime.listRunning()).toContain(agentId);
    await until(async () => (await runtime.capture(agentId)).includes("listening"), "the server inside");
    // The port is published on the host under the same number.
    const answer = await until(async () => {
      try {
        return await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) })).text();
      } catch {
        return undefined;
      }
    }, "the published port");
    expect(answer).toBe("hello from box $(not a shell) in /workspace");
    fs.writeFileSync(path.join(runtime.workspaceOf(agentId), "from-host.txt"), "shared");

    // A terminal is an exec'd `tmux attach`: output, input, resize.
    const term = await runtime.openTerminal(agentId, { cols: 100, rows: 30 });
    let screen = "";
    term.onData((chunk) => (screen += chunk.toString("utf8")));
    await until(() => screen.includes("listening"), "the screen in the terminal");
    term.resize(120, 40);
    term.kill();
    await runtime.stop(agentId, 2000);
    expect(await runtime.isRunning(agentId)).toBe(false);

    // A shell agent: keys typed by sendText, the workspace seen from inside.
    await runtime.start({ agentId, argv: ["bash", "--norc", "-i"], env: {} });
    await runtime.sendText(agentId, "cat from-host.txt; echo done-$((6*7))");
    await until(
      async () =>
        (await runtime.capture(agentId)).includes("shareddone-42") ||
        (await runtime.capture(agentId)).includes("done-42"),
      "typed keys",
    );
    expect(await runtime.signal(agentId, "SIGWINCH")).toBe(true);
    await runtime.remove(agentId);
    expect(await runtime.isRunning(agentId)).toBe(false);
    expect(fs.existsSync(runtime.workspaceOf(agentId))).toBe(false);
    await expect(docker.getContainer(`scion-${agentId}`).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it("a template's image runs when the broker's allow-list names it, and is refused (naming the setting) when not", async () => {
    const repo = "localhost/scion-template-image";
    await docker.getImage(podman.image).tag({ repo, tag: "t1" });
    const allowing = new DockerRuntime({ dataDir, shim, docker, image: podman.image, allowedImages: [`${repo}:*`] });
    const agentId = crypto.randomUUID();
    await allowing.start({
      agentId,
      argv: ["sh", "-c", "echo in-template-image; exec sleep 600"],
      env: {},
      image: `${repo}:t1`,
    });
    try {
      const info = await docker.getContainer(`scion-${agentId}`).inspect();
      expect(info.Config.Image).toBe(`${repo}:t1`);
      await until(async () => (await allowing.capture(agentId)).includes("in-template-image"), "the agent's output");
    } finally {
      await allowing.remove(agentId);
    }
    // The same broker without the list (the default) refuses it; its own image needs no listing.
    const refused = crypto.randomUUID();
    await expect(runtime.start({ agentId: refused, argv: ["true"], env: {}, image: `${repo}:t1` })).rejects.toThrow(
      /localhost\/scion-template-image:t1 is not allowed on this broker .*SCION_DOCKER_ALLOWED_IMAGES/,
    );
    await expect(docker.getContainer(`scion-${refused}`).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(runtime.imageFor(podman.image)).toBe(podman.image);
    expect(runtime.imageFor(undefined)).toBe(podman.image);
    await docker
      .getImage(`${repo}:t1`)
      .remove()
      .catch(() => undefined);
  });
  it("shows the container's screen (plain or with its colours) and keeps the harness's output in a log on the host", async () => {
    const agentId = crypto.randomUUID();
    await runtime.start({
      agentId,
      argv: ["sh", "-c", "printf '\\033[32mgreen-%s\\033[0m\\n' $((3+4)); exec cat"],
      env: {},
    });
    try {
      const plain = await until(async () => {
        const screen = await runtime.screen(agentId, { ansi: false });
        return screen.text.includes("green-7") ? screen : undefined;
      }, "the output on the container's screen");
      expect([plain.cols, plain.rows]).toEqual([200, 50]);
      expect(plain.text).not.toContain("\x1b");
      expect((await runtime.screen(agentId, { ansi: true })).text).toContain("\x1b[32mgreen-7");
      const logged = await until(
        () => (tailLog(runtime.logFilesOf(agentId).harness, 20).lines.includes("green-7") ? true : undefined),
        "the harness's output in its log",
      );
      expect(logged).toBe(true);
    } finally {
      await runtime.remove(agentId);
    }
  }, 60_000);

  it("the image has the harness CLIs on PATH; their HOME config names container paths; interrupt presses keys inside", async () => {
    const base = 40000 + Math.floor(Math.random() * 20000);
    const ops = createAgentOperations({
      runtime,
      ports: new PortPool({ range: `${base}-${base + 3}`, portsPerAgent: 1 }),
      dataDir,
      logger: captureLogger().logger,
    });
    const agentId = crypto.randomUUID();
    await ops.handle("agent.start", {
      agentId,
      harness: "generic",
      command:
        "claude --version; gemini --version; codex --version; trap 'echo got-INT' INT; echo ready; while :; do sleep 0.2; done",
    });
    const screen = await until(
      async () => ((s) => s.includes("ready") && s)(await runtime.capture(agentId)),
      "the CLIs' versions",
      60_000,
    );
    expect(screen).toContain("2.1.332 (Claude Code)");
    expect(screen).toContain("0.61.0");
    expect(screen).toContain("codex-cli 0.171.0");
    expect(await ops.handle("agent.interrupt", { agentId, harness: "generic" })).toEqual({ interrupted: true });
    await until(async () => (await runtime.capture(agentId)).includes("got-INT"), "the interrupt inside the container");
    await runtime.remove(agentId);

    const claudeAgent = crypto.randomUUID();
    await ops.handle("agent.start", {
      agentId: claudeAgent,
      harness: "claude",
      task: "hello",
      model: "claude-test",
      credentials: { env: { ANTHROPIC_API_KEY: "sk-test" }, files: [] },
    });
    const home = runtime.homeOf(claudeAgent);
    const settings = JSON.parse(fs.readFileSync(path.join(home, ".claude", "settings.json"), "utf8"));
    expect(settings.hooks.Stop[0].hooks[0].command).toBe(
      "/usr/local/bin/node /opt/scion/bin/scion-agent-hook.mjs hook --dialect claude",
    );
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(home, ".claude.json"), "utf8")).projects)).toEqual([
      "/workspace",
    ]);
    expect(fs.statSync(path.join(home, ".claude", "settings.json")).uid).toBe(1000);
    expect(await runtime.isRunning(claudeAgent)).toBe(true);
    expect(await ops.handle("agent.interrupt", { agentId: claudeAgent, harness: "claude" })).toEqual({
      interrupted: true,
    });
    await runtime.remove(claudeAgent);
  }, 120_000);

  describe("through the hub", () => {
    let t: TestHub;
    let alice: TestUser;
    let client: ControlChannelClient;
    let forwarder: net.Server;

    beforeAll(async () => {
      t = await startTestHub();
      alice = await t.createUser();
      const admin = await t.hub.runtime.prisma.user.create({
        data: { email: "docker-admin@example.com", role: "admin" },
      });
      const reg = await registerBroker(t.hub.runtime.prisma, admin, "docker");
      const creds = await joinBroker(t.hub.runtime.prisma, t.hub.runtime.sessionSecret, {
        joinToken: reg.joinToken,
        hostname: "h",
        capabilities: { runtimes: ["docker"], harnesses: ["shell", "generic"] },
      });
      // The hub listens on loopback; containers reach it through the bridge's gateway.
      const hubPort = Number(new URL(t.url).port);
      forwarder = net.createServer((socket) => {
        const upstream = net.connect(hubPort, "127.0.0.1");
        socket.pipe(upstream).pipe(socket);
        socket.on("error", () => upstream.destroy());
        upstream.on("error", () => socket.destroy());
      });
      await new Promise<void>((r) => forwarder.listen(0, "0.0.0.0", r));
      const hubUrl = `http://host.containers.internal:${(forwarder.address() as net.AddressInfo).port}`;
      const brokerRuntime = new DockerRuntime({ dataDir, shim, docker, image: podman.image, hubUrl });
      const base = 40000 + Math.floor(Math.random() * 20000);
      const link: { client?: ControlChannelClient } = {};
      const pty = new PtyRelay(
        brokerRuntime,
        { dialTunnel: (stream) => link.client!.dialTunnel(stream) },
        captureLogger().logger,
      );
      const ops = createAgentOperations({
        runtime: brokerRuntime,
        ports: new PortPool({ range: `${base}-${base + 9}`, portsPerAgent: 2 }),
        dataDir,
        logger: captureLogger().logger,
        hubUrl: () => link.client?.connectedUrl,
        emit: (n, d) => link.client?.emit(n, d),
        pty,
      });
      client = new ControlChannelClient({
        hubUrls: [t.url],
        brokerId: creds.brokerId,
        secret: creds.secret,
        logger: captureLogger().logger,
        heartbeat: ops.heartbeat,
        onRequest: ops.handle,
        onEvent: (n, d) => void pty.onEvent(n, d),
        onDisconnected: () => pty.closeAll(),
      });
      link.client = client;
      client.start();
      await client.waitConnected();
      await until(() => t.hub.runtime.brokers.has(creds.brokerId), "the broker's channel");
    }, 60_000);
    afterAll(async () => {
      await client?.stop();
      forwarder?.close();
      await t?.close();
    });

    it("create with start runs the shim in the container, which reports running; terminal, message, reset-auth and stop work", async () => {
      const project = (await (
        await alice.request("/api/v1/projects", { method: "POST", json: { name: "boxed" } })
      ).json()) as { id: string };
      const res = await alice.request("/api/v1/agents", {
        method: "POST",
        json: { projectId: project.id, name: "Boxed", harness: "shell", start: true },
      });
      const agent = (await res.json()) as AgentJson;
      expect(res.status).toBe(201);
      expect(agent).toMatchObject({
        phase: "running",
        activity: "idle",
        ports: { A: expect.any(Number), B: expect.any(Number) },
      });
      const container = await docker.getContainer(`scion-${agent.id}`).inspect();
      expect(Object.keys(container.HostConfig.PortBindings ?? {}).sort()).toEqual(
        [`${agent.ports.A}/tcp`, `${agent.ports.B}/tcp`].sort(),
      );

      const ws = new WebSocket(`${t.url.replace("http", "ws")}/api/v1/agents/${agent.id}/pty?cols=100&rows=30`, {
        headers: { authorization: `Bearer ${alice.token}` },
      });
      let screen = "";
      ws.on("message", (data, binary) => binary && (screen += (data as Buffer).toString("utf8")));
      await new Promise((r) => ws.once("open", r));
      ws.send(Buffer.from("echo inside-$((40+2)) $AVAILABLE_LOCALHOST_PORT_A\r"), { binary: true });
      await until(() => screen.includes(`inside-42 ${agent.ports.A}`), "the command's output through the relay");
      ws.close();

      const message = await alice.request(`/api/v1/agents/${agent.id}/messages`, {
        method: "POST",
        json: { body: "echo typed-by-the-hub" },
      });
      expect(message.status).toBe(201);
      await until(
        async () => (await runtime.capture(agent.id)).includes("typed-by-the-hub"),
        "the message in the session",
      );

      const reset = await alice.request(`/api/v1/agents/${agent.id}/reset-auth`, { method: "POST" });
      expect(await reset.json()).toEqual({ agentId: agent.id, ok: true, signalled: true });
      await until(
        () =>
          fs.existsSync(path.join(path.dirname(runtime.tokenFileOf(agent.id)), "shim.log")) &&
          fs
            .readFileSync(path.join(path.dirname(runtime.tokenFileOf(agent.id)), "shim.log"), "utf8")
            .includes("re-read the token file"),
        "the shim to re-read its token",
      );

      const stopped = await alice.request(`/api/v1/agents/${agent.id}/stop`, { method: "POST" });
      expect(((await stopped.json()) as { agent: AgentJson }).agent).toMatchObject({ phase: "stopped", ports: {} });
      await expect(docker.getContainer(`scion-${agent.id}`).inspect()).rejects.toMatchObject({ statusCode: 404 });
    });
  });
});
