/**
 * A real coding assistant in the docker runtime: Claude Code (the CLI baked into the agent image)
 * in a container on Podman's default bridge network, started by a real broker process
 * (SCION_RUNTIME=docker) joined to a real hub, against the scripted model server in this process.
 * The container reaches the model server and the hub through the host (host.containers.internal):
 * the model server listens on all addresses, the loopback-only hub through a forwarder.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPodman, type Podman } from "../podman";
import { forwardToLoopback, spawnBrokerProcess, type BrokerProcess, type Forwarder } from "../support/broker-process";
import { startModelServer, type ModelServer } from "../support/model-server";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { until } from "../until";

const TASK = "TASK-docker: create proof.txt in the workspace.";
const FINAL = "All done in the container: proof.txt is written.";
/** The host as seen from a container on Podman's bridge network. */
const HOST = "host.containers.internal";

let podman: Podman;
let docker: Docker;
let model: ModelServer;
let t: TestHub;
let alice: TestUser;
let forwarder: Forwarder;
let broker: BrokerProcess;
let brokerDir: string;
const agentIds: string[] = [];

beforeAll(async () => {
  podman = await startPodman();
  docker = new Docker({ socketPath: podman.socketPath });
  model = await startModelServer({
    host: "0.0.0.0",
    script: [{ when: "TASK-docker", commands: ["echo hello-from-the-container > proof.txt"], text: FINAL }],
  });
  t = await startTestHub();
  alice = await t.createUser({ role: "admin" });
  forwarder = await forwardToLoopback(Number(new URL(t.url).port));
  const reg = (await (
    await alice.request("/api/v1/runtime-brokers", { method: "POST", json: { name: "podman" } })
  ).json()) as { joinToken: string };
  brokerDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-docker-agent-"));
  const base = 40000 + Math.floor(Math.random() * 20000);
  broker = spawnBrokerProcess({
    SCION_HUB_URLS: t.url,
    SCION_JOIN_TOKEN: reg.joinToken,
    SCION_DATA_DIR: brokerDir,
    SCION_RUNTIME: "docker",
    SCION_DOCKER_HOST: `unix://${podman.socketPath}`,
    SCION_DOCKER_IMAGE: podman.image,
    SCION_DOCKER_HUB_URL: `http://${HOST}:${forwarder.port}`,
    SCION_PORT_RANGE: `${base}-${base + 9}`,
    SCION_LOG_LEVEL: "info",
  });
  await broker.connected;
  await until(
    async () => {
      const { items } = (await (await alice.request("/api/v1/runtime-brokers")).json()) as {
        items: Array<{ status: string }>;
      };
      return items.some((b) => b.status === "online");
    },
    "the docker broker to come online",
    30_000,
  );
}, 240_000);

afterAll(async () => {
  const code = await broker?.stop();
  if (code !== 0 && broker)
    console.log(`broker exited ${code}:\n${broker.stderr()}\n${broker.stdout().split("\n").slice(-30).join("\n")}`);
  // Nothing of this test may outlive it: its agents' containers, whatever state they are in.
  if (docker) {
    for (const id of agentIds)
      await docker
        .getContainer(`scion-${id}`)
        .remove({ force: true })
        .catch(() => undefined);
    const left = await docker
      .listContainers({ all: true, filters: { label: agentIds.map((id) => `scion.agent=${id}`) } })
      .catch(() => []);
    if (agentIds.length && left.length)
      console.log(`containers left behind: ${left.map((c) => c.Names.join(",")).join(" ")}`);
  }
  await forwarder?.close();
  await t?.close();
  await model?.close();
  await podman?.stop();
  if (brokerDir) fs.rmSync(brokerDir, { recursive: true, force: true });
});

const agentJson = async (id: string) =>
  (await (await alice.request(`/api/v1/agents/${id}`)).json()) as Record<string, unknown>;
const history = async (id: string) =>
  (
    (await (await alice.request(`/api/v1/agents/${id}/history`)).json()) as {
      items: Array<{ phase: string; activity: string | null; detail: string | null }>;
    }
  ).items.reverse();

describe("Claude Code in the docker runtime (Podman)", () => {
  it("runs the task in a container on the bridge network: thinking → executing Bash → idle, the file in the mounted workspace, the final text as lastOutput", async () => {
    const began = Date.now();
    const secret = `sk-test-docker-${crypto.randomUUID()}`;
    expect(
      (
        await alice.request("/api/v1/secrets", {
          method: "POST",
          json: { name: "ANTHROPIC_API_KEY", value: secret, scope: "user" },
        })
      ).status,
    ).toBe(201);
    const project = (await (
      await alice.request("/api/v1/projects", { method: "POST", json: { name: "Containers" } })
    ).json()) as { id: string };
    const requested = Date.now();
    const res = await alice.request("/api/v1/agents", {
      method: "POST",
      json: {
        projectId: project.id,
        name: "claude-in-a-box",
        harness: "claude",
        task: TASK,
        env: { ANTHROPIC_BASE_URL: `http://${HOST}:${model.port}` },
        start: true,
      },
    });
    const created = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(created)).toBe(201);
    const agentId = created.id as string;
    agentIds.push(agentId);

    // A container of the agent image, on the bridge network, running the agent shim and the CLI.
    const container = await docker.getContainer(`scion-${agentId}`).inspect();
    expect(container.Config.Image).toBe(podman.image);
    expect(container.HostConfig.NetworkMode).toBe("bridge");
    expect(container.Config.Cmd).toEqual(expect.arrayContaining(["claude", TASK]));
    const containerStarted = Date.parse(container.State.StartedAt);

    await until(async () => (await agentJson(agentId)).phase === "running", "the agent to run", 60_000, 100);
    const running = Date.now();
    const done = await until(
      async () => {
        const a = await agentJson(agentId);
        if (a.phase === "error") throw new Error(`the agent failed: ${String(a.detail)}`);
        return a.lastOutput === FINAL && a;
      },
      "the final text as lastOutput",
      120_000,
      250,
    );
    const figures = {
      createToRunningMs: running - requested,
      containerStartToRunningMs: running - containerStarted,
      containerStartToDoneMs: Date.now() - containerStarted,
    };
    expect(done.phase).toBe("running");

    // The command ran inside the container, as its user, in the workspace the broker mounted.
    const proof = path.join(brokerDir, "workspaces", agentId, "proof.txt");
    expect(fs.readFileSync(proof, "utf8").trim()).toBe("hello-from-the-container");
    expect(fs.statSync(proof).uid).toBe(1000);
    // The model server heard the task, from the container's network rather than loopback.
    const turns = model.turns().filter((r) => r.userTexts.some((u) => u.includes("TASK-docker")));
    expect(turns.map((r) => r.answer)).toEqual(expect.arrayContaining(["tool-call", "text"]));
    expect(turns.every((r) => !/^(::ffff:)?127\./.test(r.remoteAddress))).toBe(true);
    expect(turns.every((r) => r.headers["x-api-key"] === secret)).toBe(true);

    // The hooks reported through the shim to the hub, in order: thinking, the Bash tool, idle.
    const seen = await until(
      async () => ((h) => h.at(-1)?.activity === "idle" && h)(await history(agentId)),
      "idle after the turn",
      30_000,
      250,
    );
    const activities = seen
      .filter((e) => e.phase === "running")
      .map((e) => (e.activity === "executing" ? `executing:${e.detail}` : e.activity));
    const thinking = activities.indexOf("thinking");
    const executing = activities.indexOf("executing:Bash", thinking);
    expect(thinking, activities.join(" → ")).toBeGreaterThanOrEqual(0);
    expect(executing, activities.join(" → ")).toBeGreaterThan(thinking);
    expect(activities.lastIndexOf("idle"), activities.join(" → ")).toBeGreaterThan(executing);

    // Stop removes the container.
    const stopped = await alice.request(`/api/v1/agents/${agentId}/stop`, { method: "POST" });
    expect(stopped.status).toBe(200);
    await expect(docker.getContainer(`scion-${agentId}`).inspect()).rejects.toMatchObject({ statusCode: 404 });
    console.log(
      `docker agent figures: ${JSON.stringify({ ...figures, testMs: Date.now() - began, activities: activities.join(" → ") })}`,
    );
  }, 180_000);
});
