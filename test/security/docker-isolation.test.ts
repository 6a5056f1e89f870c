import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installAgentShim, type ShimInstall } from "../../broker/agent-shim";
import { CONTAINER_USER, DockerRuntime } from "../../broker/runtimes/docker-runtime";
import { ProjectWorkspaces } from "../../broker/workspace";
import { isInternalAddress } from "../../lib/net/git-remote-policy";
import { startPodman, type Podman } from "../podman";
import { until } from "../until";
import { serveGitRepo } from "../git-server";

/** Where the probes' output is kept for people to read (test-results/ is not committed). */
const RESULTS = path.resolve(import.meta.dirname, "..", "..", "test-results");

/**
 * The docker runtime's boundary, on a real engine (Podman's Docker API): an agent runs as the
 * image's unprivileged user with no capabilities, no-new-privileges and limits; it sees none of
 * the broker's files, environment or other agents; the agent's repository (borrowing its project's
 * shared clone) is made as the agent inside a container.
 */
let podman: Podman;
let docker: Docker;
let shim: ShimInstall;
let dataDir: string;
let runtime: DockerRuntime;
const LIMITS = { memoryBytes: 256 * 1024 * 1024, cpus: 1, pids: 64 };
const canary = `canary-${crypto.randomBytes(8).toString("hex")}`;

beforeAll(async () => {
  podman = await startPodman();
  docker = new Docker({ socketPath: podman.socketPath });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-dock-iso-"));
  shim = await installAgentShim(dataDir);
  runtime = new DockerRuntime({ dataDir, shim, docker, image: podman.image, limits: LIMITS });
  // Something secret in the broker's own environment.
  process.env.SCION_TEST_BROKER_CANARY = canary;
}, 180_000);
afterAll(async () => {
  delete process.env.SCION_TEST_BROKER_CANARY;
  if (runtime) for (const id of await runtime.listRunning()) await runtime.remove(id);
  await podman?.stop();
});

describe("agent isolation on the docker runtime (Podman)", () => {
  it("an agent runs unprivileged and limited, and cannot read the broker's files or environment, another agent's files or token, or reach its session", async () => {
    const victim = crypto.randomUUID();
    const victimToken = `victim-token-${crypto.randomBytes(12).toString("hex")}`;
    const victimSecret = `victim-env-${crypto.randomBytes(8).toString("hex")}`;
    await runtime.prepare(victim);
    await runtime.writeToken(victim, victimToken);
    await runtime.start({
      agentId: victim,
      argv: ["sh", "-c", "echo victim-file-content > victim.txt; exec cat"],
      env: { VICTIM_SECRET: victimSecret },
    });
    await until(() => fs.existsSync(path.join(runtime.workspaceOf(victim), "victim.txt")), "the victim's file");

    const attacker = crypto.randomUUID();
    const ownToken = `own-token-${crypto.randomBytes(12).toString("hex")}`;
    await runtime.prepare(attacker);
    await runtime.writeToken(attacker, ownToken);
    const probes = [
      "probe id id -u",
      "probe status grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status",
      "probe own-token cat /run/scion/agent-token",
      `probe broker-data ls ${dataDir}`,
      `probe victim-token cat ${runtime.tokenFileOf(victim)}`,
      `probe victim-file cat ${path.join(runtime.workspaceOf(victim), "victim.txt")}`,
      "probe tmux-sessions tmux ls -F '#{session_name}'",
      "probe su su -c id root",
      "probe env env",
      "probe pids sh -c 'for i in $(seq 100); do sleep 30 & done; echo forked-them-all'",
    ];
    const script = `probe() { name=$1; shift; out=$("$@" 2>&1 </dev/null); echo "== $name (exit $?)"; printf '%s\\n' "$out" | head -c 4000; }\n${probes.join("\n")}\necho PROBES-DONE\n`;
    await runtime.start({
      agentId: attacker,
      argv: [
        "bash",
        "-c",
        `echo ${Buffer.from(script).toString("base64")} | base64 -d > /tmp/probe.sh; bash /tmp/probe.sh > probe.log 2>&1; exec cat`,
      ],
      env: {},
    });
    const logFile = path.join(runtime.workspaceOf(attacker), "probe.log");
    const full = await until(
      () =>
        fs.existsSync(logFile) && fs.readFileSync(logFile, "utf8").includes("PROBES-DONE")
          ? fs.readFileSync(logFile, "utf8")
          : undefined,
      "the probes",
      90_000,
    );
    fs.mkdirSync(RESULTS, { recursive: true });
    fs.writeFileSync(path.join(RESULTS, "isolation-docker.log"), full);
    const section = (name: string) =>
      new RegExp(`== ${name} \\(exit (\\d+)\\)\\n([\\s\\S]*?)(?=\\n== |\\nPROBES-DONE)`).exec(full);

    expect(section("id")?.[2]?.trim()).toBe(String(CONTAINER_USER.uid));
    expect(section("status")?.[2]).toMatch(/CapEff:\s+0000000000000000/);
    expect(section("status")?.[2]).toMatch(/CapBnd:\s+0000000000000000/);
    expect(section("status")?.[2]).toMatch(/NoNewPrivs:\s+1/);
    expect(section("own-token")?.[2]?.trim()).toBe(ownToken);
    for (const name of ["broker-data", "victim-token", "victim-file", "su"])
      expect(section(name)?.[1], `${name}: ${section(name)?.[2]}`).not.toBe("0");
    expect(section("tmux-sessions")?.[2]?.trim()).toBe("scion");
    expect(section("pids")?.[2]).not.toContain("forked-them-all");
    for (const secret of [victimToken, victimSecret, "victim-file-content", canary])
      expect(full.includes(secret), `leaked ${secret.slice(0, 14)}…`).toBe(false);

    const info = await docker.getContainer(`scion-${attacker}`).inspect();
    expect(info.Config.User).toBe(`${CONTAINER_USER.uid}:${CONTAINER_USER.gid}`);
    expect(info.HostConfig).toMatchObject({
      Memory: LIMITS.memoryBytes,
      NanoCpus: 1e9,
      PidsLimit: LIMITS.pids,
      NetworkMode: "bridge",
    });
    // Docker reports CapDrop ["ALL"]; Podman the list it dropped. Either way none is added back.
    const dropped = (info.HostConfig.CapDrop ?? []).map((c: string) => c.toUpperCase().replace(/^CAP_/, ""));
    expect(
      dropped.includes("ALL") ||
        ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETUID", "SETGID", "NET_RAW", "KILL"].every((c) => dropped.includes(c)),
      dropped.join(","),
    ).toBe(true);
    expect(info.HostConfig.CapAdd ?? []).toEqual([]);
    expect((info.HostConfig.SecurityOpt ?? []).join(",")).toMatch(/no-new-privileges/);
    // On the host, the agent's files are the container user's and 0700.
    for (const dir of [runtime.workspaceOf(attacker), runtime.agentDirOf(attacker), runtime.homeOf(attacker)])
      expect(fs.statSync(dir)).toMatchObject({ uid: CONTAINER_USER.uid, mode: expect.any(Number) });
    expect(fs.statSync(runtime.tokenFileOf(attacker)).mode & 0o777).toBe(0o600);
  }, 180_000);

  it("refuses host networking unless the broker allows it", () => {
    expect(() => new DockerRuntime({ dataDir, shim, docker, image: podman.image, network: "host" })).toThrow(
      /SCION_DOCKER_ALLOW_HOST_NETWORK=true/,
    );
    expect(
      () => new DockerRuntime({ dataDir, shim, docker, image: podman.image, network: "host", allowHostNetwork: true }),
    ).not.toThrow();
  });

  it("makes the agent's repository as the agent inside a container, from the project's shared clone; internal remotes are refused unless allowed", async () => {
    // Served on every address, so containers can reach it through the host's.
    const server = await serveGitRepo({ files: { "README.md": "cloned in a container\n" }, host: "0.0.0.0" });
    const port = server.port;
    const workspaces = new ProjectWorkspaces(dataDir);
    const projectId = crypto.randomUUID();
    try {
      const refused = crypto.randomUUID();
      await runtime.prepare(refused);
      await expect(
        workspaces.prepare(
          runtime,
          refused,
          { remote: `http://127.0.0.1:${port}/repo.git`, projectId },
          { allowPrivate: false },
        ),
      ).rejects.toThrow(/internal address.*SCION_ALLOW_PRIVATE_GIT_REMOTES/);
      expect(fs.existsSync(runtime.workspaceOf(refused))).toBe(false);

      // The host as containers reach it: this machine's first non-loopback IPv4 address.
      const hostIp = Object.values(os.networkInterfaces())
        .flat()
        .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
      expect(hostIp, "a non-loopback address for containers to reach the host").toBeTruthy();
      const agentId = crypto.randomUUID();
      await runtime.prepare(agentId);
      expect(
        await workspaces.prepare(
          runtime,
          agentId,
          { remote: `http://${hostIp}:${port}/repo.git`, projectId, branch: "scion/boxed" },
          { allowPrivate: isInternalAddress(hostIp!) },
        ),
      ).toEqual({ branch: "scion/boxed", baseBranch: "main" });
      const readme = path.join(runtime.workspaceOf(agentId), "README.md");
      expect(fs.readFileSync(readme, "utf8")).toBe("cloned in a container\n");
      expect(fs.statSync(readme).uid).toBe(CONTAINER_USER.uid);
      // The agent's git (in a container, the shared clone mounted read-only) sees its branch and a clean tree.
      expect(await workspaces.status(runtime, agentId)).toMatchObject({ branch: "scion/boxed", clean: true });
      // The one-shot git containers are gone.
      expect((await docker.listContainers({ all: true, filters: { label: [`scion.agent=${agentId}`] } })).length).toBe(
        0,
      );
      await runtime.remove(agentId);
      await runtime.remove(refused);
    } finally {
      await server.close();
    }
  }, 180_000);
});
