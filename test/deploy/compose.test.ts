/**
 * deploy/compose.yaml for real, with podman-compose (Debian's package) on Podman: Postgres, two
 * hub replicas behind nginx and a broker. No registry is reachable here, so the images are built
 * offline from Debian packages when missing or built from other sources (the label scion.inputs)
 * and reused otherwise (docker/hub-image, docker/broker-image, and stand-ins for the official
 * postgres and nginx images with their interface: docker/stand-ins). Sign-in is IAP's (proxy mode) with a JWKS served by this test.
 * Everything it creates (containers, pod, network, volumes) carries a project name of its own and
 * is removed at the end. First run, with every image to build: about 5 minutes; then about 2.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../until";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
// Images named here (e.g. built with the Dockerfiles) are used as they are, never rebuilt.
const HUB_IMAGE = process.env.SCION_TEST_HUB_IMAGE ?? "localhost/scion-hub:latest";
const BROKER_IMAGE = process.env.SCION_TEST_BROKER_IMAGE ?? "localhost/scion-broker:latest";
const POSTGRES_IMAGE = "localhost/scion-postgres-standin:15";
const PROXY_IMAGE = "localhost/scion-nginx-standin:1.22";
const PROJECT = `scioncompose${process.pid}${Date.now().toString(36)}`;
const AUDIENCE = "/projects/1/global/backendServices/2";
const ADMIN = "admin@example.com";
const MB = 1024 * 1024;

const confDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-compose-"));
const conf = path.join(confDir, "containers.conf");
fs.writeFileSync(conf, '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\n');
const podmanEnv = { ...process.env, CONTAINERS_CONF: conf };
// deploy/ as a team uses it: compose.yaml and nginx.conf beside a .env with the settings (a copy,
// so that a deploy/.env in this checkout changes nothing).
const deployDir = path.join(confDir, "deploy");
fs.mkdirSync(deployDir);
for (const file of ["compose.yaml", "nginx.conf", ".env.example"])
  fs.copyFileSync(path.join(ROOT, "deploy", file), path.join(deployDir, file));
const COMPOSE_FILE = path.join(deployDir, "compose.yaml");
let settings: Record<string, string> = {};
/** deploy/.env: .env.example with these values filled in. */
function writeDotEnv(values: Record<string, string>): void {
  settings = { ...settings, ...values };
  const lines = fs
    .readFileSync(path.join(deployDir, ".env.example"), "utf8")
    .split("\n")
    .map((line) => {
      const key = /^#? ?([A-Z_]+)=/.exec(line)?.[1];
      return key && key in settings ? `${key}=${settings[key]}` : line;
    });
  for (const key of Object.keys(settings))
    if (!lines.some((l) => l.startsWith(`${key}=`))) lines.push(`${key}=${settings[key]}`);
  fs.writeFileSync(path.join(deployDir, ".env"), lines.join("\n"));
}

function podman(args: string[]): SpawnSyncReturns<string> {
  return spawnSync("podman", args, { env: podmanEnv, encoding: "utf8" });
}

function compose(args: string[]): SpawnSyncReturns<string> {
  const res = spawnSync("podman-compose", ["-p", PROJECT, "-f", COMPOSE_FILE, ...args], {
    cwd: deployDir,
    env: podmanEnv,
    encoding: "utf8",
    timeout: 240_000,
  });
  if (res.status !== 0) throw new Error(`podman-compose ${args.join(" ")}: exit ${res.status}\n${res.stderr}`);
  return res;
}

/** The container podman-compose made for a service (<project>_<service>_1). */
const container = (service: string) => `${PROJECT}_${service}_1`;
const logsOf = (service: string) => {
  const res = podman(["logs", container(service)]);
  return `${res.stdout}${res.stderr}`;
};
/** What went on, for a failure's message: the containers and the hubs' and Postgres's last lines. */
const diagnose = () =>
  [
    podman(["ps", "-a", "--filter", `name=${PROJECT}`, "--format", "{{.Names}} {{.Status}}"]).stdout,
    ...["hub-1", "hub-2", "postgres"].map((s) => `== ${s}\n${logsOf(s).slice(-2500)}`),
  ].join("\n");

/** sha256 over the named files and directories (paths and contents), for the label scion.inputs. */
function inputsHash(entries: string[]): string {
  const hash = crypto.createHash("sha256");
  const walk = (rel: string): void => {
    const full = path.join(ROOT, rel);
    if (!fs.existsSync(full) || rel.includes("node_modules") || rel === "lib/db/generated") return;
    if (fs.statSync(full).isDirectory()) {
      for (const name of fs.readdirSync(full).sort()) walk(path.join(rel, name));
      return;
    }
    hash.update(rel).update("\0").update(fs.readFileSync(full)).update("\0");
  };
  for (const entry of entries) walk(entry);
  return hash.digest("hex").slice(0, 16);
}

const label = (image: string) =>
  podman(["image", "inspect", "--format", '{{index .Labels "scion.inputs"}}', image]).stdout.trim();

/**
 * Builds an image with its offline script when it is missing or was built from other sources
 * (the label scion.inputs); returns how long that took (0: reused).
 */
function ensureImages(images: string[], inputs: string[], scriptName: string, args: string[]): number {
  const want = inputsHash(inputs);
  if (images.every((image) => podman(["image", "exists", image]).status === 0 && label(image) === want)) return 0;
  const script = path.join(ROOT, "docker", scriptName);
  const idOf = (image: string) => podman(["image", "inspect", "--format", "{{.Id}}", image]).stdout.trim();
  const before = images.map(idOf);
  const started = Date.now();
  execFileSync(script, args, {
    env: { ...podmanEnv, SCION_IMAGE_INPUTS: want },
    stdio: "inherit",
  });
  const took = Date.now() - started;
  // The builds this one replaced (untagged now), unless a container still uses them.
  const replaced = before.filter((id, i) => id && id !== idOf(images[i]!));
  if (replaced.length > 0) podman(["rmi", ...replaced]);
  return took;
}

/** A JWKS on every address of this machine (containers reach it as host.containers.internal). */
async function startIapKeys() {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "compose-test", alg: "ES256" };
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    assertion: (email: string) =>
      new SignJWT({ email: `accounts.google.com:${email}`, sub: `accounts.google.com:${email.length}` })
        .setProtectedHeader({ alg: "ES256", kid: "compose-test" })
        .setIssuer("https://cloud.google.com/iap")
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime("30m")
        .sign(privateKey),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let iap: Awaited<ReturnType<typeof startIapKeys>>;
let base = "";
let token = "";
let agentId = "";
const timings: Record<string, number> = {};

async function api<T = unknown>(pathname: string, init: { method?: string; json?: unknown } = {}) {
  const res = await fetch(`${base}${pathname}`, {
    method: init.method ?? "GET",
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.json === undefined ? {} : { "content-type": "application/json" }),
    },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let body: T;
  try {
    body = JSON.parse(text) as T;
  } catch {
    body = text as T;
  }
  return { status: res.status, body };
}

/** The broker control channels one replica holds (its /metrics, read inside its container). */
function brokerConnections(hub: string): number {
  const script =
    "fetch('http://127.0.0.1:8080/metrics',{headers:{authorization:'Bearer '+process.env.T}})" +
    ".then(r=>r.text()).then(t=>process.stdout.write(t))";
  const res = podman(["exec", "--env", `T=${token}`, container(hub), "node", "-e", script]);
  const line = /^scion_broker_connections (\d+)$/m.exec(res.stdout);
  if (!line) throw new Error(`no scion_broker_connections in ${hub}'s /metrics: ${res.stderr}`);
  return Number(line[1]);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = http.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function cleanUp(): void {
  spawnSync("podman-compose", ["-p", PROJECT, "-f", COMPOSE_FILE, "down"], {
    cwd: deployDir,
    env: podmanEnv,
    stdio: "ignore",
  });
  for (const kind of ["container", "pod"] as const) {
    const ids = podman([kind, "ps", "-a", "-q", "--filter", `name=${PROJECT}`])
      .stdout.split("\n")
      .filter(Boolean);
    if (ids.length > 0) podman([kind, "rm", "-f", ...ids]);
  }
  const volumes = podman(["volume", "ls", "-q"])
    .stdout.split("\n")
    .filter((v) => v.startsWith(`${PROJECT}_`));
  if (volumes.length > 0) podman(["volume", "rm", "-f", ...volumes]);
  const networks = podman(["network", "ls", "-q", "--filter", `name=${PROJECT}`])
    .stdout.split("\n")
    .filter(Boolean);
  if (networks.length > 0) podman(["network", "rm", "-f", ...networks]);
}

beforeAll(async () => {
  const which = spawnSync("podman-compose", ["--version"], { encoding: "utf8" });
  expect(which.error, "podman-compose is missing: apt-get install podman-compose").toBeUndefined();
  const shared = ["lib", "package.json", "package-lock.json", "tsconfig.json"];
  timings.buildHubMs = ensureImages(
    process.env.SCION_TEST_HUB_IMAGE ? [] : [HUB_IMAGE],
    [
      ...shared,
      "app",
      "components",
      "public",
      "prisma",
      "scripts",
      "server.ts",
      "next.config.mjs",
      "postcss.config.mjs",
      "prisma.config.ts",
      "docker/hub-image",
    ],
    "hub-image/build-offline.sh",
    [HUB_IMAGE, "podman"],
  );
  timings.buildBrokerMs = ensureImages(
    process.env.SCION_TEST_BROKER_IMAGE ? [] : [BROKER_IMAGE],
    [...shared, "broker", "agent", "docker/broker-image", "docker/agent-image"],
    "broker-image/build-offline.sh",
    [BROKER_IMAGE, "podman"],
  );
  timings.buildStandInsMs = ensureImages(
    [POSTGRES_IMAGE, PROXY_IMAGE],
    ["docker/stand-ins"],
    "stand-ins/build-offline.sh",
    [POSTGRES_IMAGE, PROXY_IMAGE, "podman"],
  );
  iap = await startIapKeys();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  writeDotEnv({
    HUB_IMAGE,
    BROKER_IMAGE,
    POSTGRES_IMAGE,
    PROXY_IMAGE,
    POSTGRES_PASSWORD: "compose-test-postgres-password",
    SESSION_SECRET: "compose-test-session-secret-of-enough-length-0123456789",
    SCION_AUTH_MODE: "proxy",
    SCION_IAP_AUDIENCE: AUDIENCE,
    SCION_IAP_JWKS_URL: `http://host.containers.internal:${iap.port}/jwk`,
    SCION_ADMIN_EMAILS: ADMIN,
    SCION_HTTP_BIND: "127.0.0.1",
    SCION_HTTP_PORT: String(port),
    SCION_PUBLIC_URL: base,
    SCION_BROKER_NAME: "compose-broker-1",
  });
}, 900_000);

afterAll(async () => {
  cleanUp();
  await iap?.close();
  fs.rmSync(confDir, { recursive: true, force: true });
  process.stdout.write(`compose test timings (ms): ${JSON.stringify(timings)}\n`);
}, 120_000);

describe("deploy/compose.yaml with podman-compose", () => {
  it("the hub image: under 400 MB, runs as an unprivileged user, node as PID 1, and refuses to start without DATABASE_URL", () => {
    const inspect = JSON.parse(podman(["image", "inspect", HUB_IMAGE]).stdout)[0];
    expect(inspect.Size).toBeLessThan(400 * MB);
    timings.hubImageMb = Math.round(inspect.Size / MB);
    expect(inspect.Config.User).toBe("scion");
    // Exec form, node itself (the offline build names /usr/local/bin/node, the Dockerfile node).
    expect(inspect.Config.Entrypoint).toHaveLength(2);
    expect(inspect.Config.Entrypoint[0]).toMatch(/^(\/usr\/local\/bin\/)?node$/);
    expect(inspect.Config.Entrypoint[1]).toBe("/app/.next/scion-server/server.mjs");
    expect(inspect.Config.ExposedPorts).toHaveProperty("8080/tcp");
    expect((inspect.Healthcheck ?? inspect.Config.Healthcheck)?.Test?.join(" ")).toMatch(/readyz/);
    const run = podman([
      "run",
      "--rm",
      "-e",
      "SCION_AUTH_MODE=proxy",
      "-e",
      `SCION_IAP_AUDIENCE=${AUDIENCE}`,
      HUB_IMAGE,
    ]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/scion-hub: .*DATABASE_URL/);
    const id = podman(["run", "--rm", "--entrypoint", "id", HUB_IMAGE]);
    expect(id.stdout).toMatch(/^uid=10001\(scion\) gid=10001\(scion\)/);
  });

  it("up: the dashboard answers through the proxy, from either replica", async () => {
    const started = Date.now();
    compose(["up", "-d", "postgres", "hub-1", "hub-2", "proxy"]);
    timings.composeUpMs = Date.now() - started;
    // A hub that finds Postgres not yet accepting connections exits and is restarted; both end
    // up serving, as the image's HEALTHCHECK (GET /readyz inside the container) says.
    const healthy = (hub: string) => podman(["healthcheck", "run", container(hub)]).status === 0;
    await until(() => healthy("hub-1") && healthy("hub-2"), "both hub replicas to be healthy", 150_000, 1000).catch(
      (err: Error) => {
        throw new Error(`${err.message}\n${diagnose()}`);
      },
    );
    timings.hubsReadyMs = Date.now() - started;
    timings.hubRestarts = ["hub-1", "hub-2"]
      .map((hub) => Number(podman(["inspect", "--format", "{{.RestartCount}}", container(hub)]).stdout.trim()))
      .reduce((a, b) => a + b, 0);
    await until(
      async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200,
      "/readyz through the proxy",
      30_000,
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${logsOf("proxy").slice(-2000)}\n${diagnose()}`);
    });
    timings.upMs = Date.now() - started;
    for (const hub of ["hub-1", "hub-2"]) {
      // node is PID 1 (no npm or shell in between), as the unprivileged user.
      const pid1 = podman(["exec", container(hub), "cat", "/proc/1/cmdline"]).stdout.split("\0");
      expect(pid1[0]).toMatch(/^(\/usr\/local\/bin\/)?node$/);
      expect(pid1[1]).toBe("/app/.next/scion-server/server.mjs");
      expect(podman(["exec", container(hub), "id", "-u"]).stdout.trim()).toBe("10001");
    }

    // The dashboard, signed in by IAP's assertion; a page request without one is refused.
    const assertion = await iap.assertion(ADMIN);
    const page = await fetch(`${base}/`, { headers: { "x-goog-iap-jwt-assertion": assertion } });
    expect(page.status, diagnose()).toBe(200);
    expect(await page.text()).toContain("Scion Hub");
    expect((await fetch(`${base}/api/v1/agents`)).status).toBe(401);
    // An API token for the rest (created from the hub's own origin, as the dashboard does).
    const created = await fetch(`${base}/api/v1/tokens`, {
      method: "POST",
      headers: { "x-goog-iap-jwt-assertion": assertion, origin: base, "content-type": "application/json" },
      body: JSON.stringify({ name: "compose-test", expiresInDays: 1 }),
    });
    expect(created.status, diagnose()).toBe(201);
    token = ((await created.json()) as { token: string }).token;
    for (let i = 0; i < 6; i++) expect((await api("/api/v1/agents")).status).toBe(200);
  }, 240_000);

  it("an agent runs on the broker", async () => {
    const started = Date.now();
    const registered = await api<{ joinToken: string; broker: { id: string } }>("/api/v1/runtime-brokers", {
      method: "POST",
      json: { name: "compose-broker-1" },
    });
    expect(registered.status).toBe(201);
    writeDotEnv({ SCION_BROKER_JOIN_TOKEN: registered.body.joinToken });
    compose(["up", "-d", "broker"]);
    await until(
      async () => {
        const res = await api<{ status: string }>(`/api/v1/runtime-brokers/${registered.body.broker.id}`);
        return res.body.status === "online";
      },
      "the broker to be online",
      90_000,
      500,
    );
    const project = await api<{ id: string }>("/api/v1/projects", { method: "POST", json: { name: "compose" } });
    expect(project.status).toBe(201);
    const agent = await api<{ id: string }>("/api/v1/agents", {
      method: "POST",
      json: {
        projectId: project.body.id,
        name: "compose-agent",
        harness: "generic",
        command: "echo compose-agent-$((6*7)); exec sleep 3600",
        start: true,
      },
    });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    agentId = agent.body.id;
    await until(
      async () => (await api<{ phase: string }>(`/api/v1/agents/${agentId}`)).body.phase === "running",
      "the agent to be running",
      90_000,
      500,
    );
    const screen = await until(
      async () => {
        const res = await api<{ text: string }>(`/api/v1/agents/${agentId}/screen`);
        return res.status === 200 && res.body.text.includes("compose-agent-42") ? res.body : undefined;
      },
      "the agent's output on its screen",
      30_000,
      500,
    );
    expect(screen.text).toContain("compose-agent-42");
    // It runs in the broker's container, as a user of its own (not root).
    const ps = podman(["exec", container("broker"), "ps", "-eo", "user:20,args"]).stdout;
    const line = ps.split("\n").find((l) => l.includes("sleep 3600"));
    expect(line, ps).toBeDefined();
    expect(line!.trim().split(/\s+/)[0]).not.toBe("root");

    // A second agent, deleted: its session, processes and user go, and nothing stays behind as a
    // zombie (its tmux server is a daemon of PID 1, the container's init, which reaps it).
    const doomed = await api<{ id: string }>("/api/v1/agents", {
      method: "POST",
      json: {
        projectId: project.body.id,
        name: "compose-doomed",
        harness: "generic",
        command: "exec sleep 7200",
        start: true,
      },
    });
    expect(doomed.status, JSON.stringify(doomed.body)).toBe(201);
    await until(
      async () => (await api<{ phase: string }>(`/api/v1/agents/${doomed.body.id}`)).body.phase === "running",
      "the second agent to be running",
      90_000,
      500,
    );
    const userOf = () =>
      podman(["exec", container("broker"), "ps", "-eo", "user:40,args"])
        .stdout.split("\n")
        .find((l) => l.includes("sleep 7200"))
        ?.trim()
        .split(/\s+/)[0];
    const doomedUser = userOf();
    expect(doomedUser).toBeDefined();
    const deleted = await api(`/api/v1/agents/${doomed.body.id}`, { method: "DELETE" });
    expect(deleted.status).toBeLessThan(300);
    await until(() => userOf() === undefined, "the deleted agent's processes to end", 30_000, 250);
    const states = podman(["exec", container("broker"), "ps", "-eo", "stat=,args="]).stdout;
    expect(
      states.split("\n").filter((l) => l.trim().startsWith("Z")),
      states,
    ).toEqual([]);
    const passwd = podman(["exec", container("broker"), "getent", "passwd", doomedUser!]);
    expect(passwd.status, passwd.stdout).not.toBe(0);
    timings.agentMs = Date.now() - started;
  }, 240_000);

  it("a replica stops gracefully on SIGTERM and the other keeps serving through the proxy", async () => {
    // The replica that holds the broker's control channel goes: the broker has to reconnect
    // through the proxy to the other one for the agent's screen to come back.
    const holder = ["hub-1", "hub-2"].find((hub) => brokerConnections(hub) === 1);
    expect(holder, "neither replica holds the broker's channel").toBeDefined();
    const other = holder === "hub-1" ? "hub-2" : "hub-1";
    const started = Date.now();
    const stop = podman(["stop", "-t", "30", container(holder!)]);
    expect(stop.status, stop.stderr).toBe(0);
    timings.hubStopMs = Date.now() - started;
    // SIGTERM to PID 1 (node): in-flight work finishes, exit 0, well within the 14 s limit.
    expect(timings.hubStopMs).toBeLessThan(14_000);
    const state = JSON.parse(podman(["inspect", container(holder!)]).stdout)[0].State;
    expect([state.Status, state.ExitCode]).toEqual(["exited", 0]);
    const logs = logsOf(holder!);
    expect(logs).toContain('"signal":"SIGTERM"');
    expect(logs).toContain("hub stopped");

    // Every call still succeeds through the proxy (hub-2 answers), the broker's channel included:
    // it reconnects through the proxy when its replica went, and the screen comes from it.
    for (let i = 0; i < 10; i++) {
      const res = await api<{ id: string }>(`/api/v1/agents/${agentId}`);
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(agentId);
    }
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const screen = await until(
      async () => {
        const res = await api<{ text: string }>(`/api/v1/agents/${agentId}/screen`);
        return res.status === 200 ? res.body : undefined;
      },
      "the agent's screen through the remaining replica",
      60_000,
      500,
    );
    expect(screen.text).toContain("compose-agent-42");
    expect(brokerConnections(other)).toBe(1);
    timings.failoverMs = Date.now() - started;
  }, 120_000);

  it("the broker stops gracefully on SIGTERM: its init passes it on, the broker says goodbye and exits 0", async () => {
    const started = Date.now();
    const stop = podman(["stop", "-t", "30", container("broker")]);
    expect(stop.status, stop.stderr).toBe(0);
    timings.brokerStopMs = Date.now() - started;
    // The broker exits within its 10 s limit (the container's stop timeout is 30 s).
    expect(timings.brokerStopMs).toBeLessThan(10_000);
    const state = JSON.parse(podman(["inspect", container("broker")]).stdout)[0].State;
    expect([state.Status, state.ExitCode]).toEqual(["exited", 0]);
    expect(logsOf("broker")).toContain('"signal":"SIGTERM"');
    // It closed its channel: the hub shows it offline within seconds, not after missed heartbeats.
    await until(
      async () =>
        (await api<{ items: Array<{ name: string; status: string }> }>("/api/v1/runtime-brokers")).body.items.find(
          (b) => b.name === "compose-broker-1",
        )?.status === "offline",
      "the broker offline",
      5_000,
      250,
    );
  }, 60_000);

  it("down leaves the named volumes", () => {
    const started = Date.now();
    compose(["down"]);
    expect(podman(["ps", "-a", "-q", "--filter", `name=${PROJECT}`]).stdout.trim()).toBe("");
    const volumes = podman(["volume", "ls", "--format", "{{.Name}}"]).stdout.split("\n");
    expect(volumes).toContain(`${PROJECT}_postgres-data`);
    expect(volumes).toContain(`${PROJECT}_broker-data`);
    timings.downMs = Date.now() - started;
  }, 120_000);
});
