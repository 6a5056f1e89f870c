import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFreePort } from "../../lib/db/embedded-postgres";
import { spawnHub, type SpawnedHub } from "../spawn-hub";
import { liveProcessesInGroup } from "../support/process-group";
import { createTestDatabase, type TestDatabase } from "../test-database";
import { until } from "../until";

const ROOT = path.resolve(import.meta.dirname, "../..");
let db: TestDatabase;
let hub: SpawnedHub;
let hubUrl: string;
let adminToken: string;

const children: ChildProcess[] = [];

function spawnBroker(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "broker/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", SCION_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const connected = (times = 1) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (out.split("\n").filter((l) => l === `Scion broker connected to ${hubUrl}`).length >= times)
          return resolve();
        if (child.exitCode !== null) return reject(new Error(`broker exited: ${err}`));
        setTimeout(check, 25);
      };
      check();
    });
  return { child, exited, connected, stderr: () => err };
}

const api = (p: string, init: RequestInit = {}) =>
  fetch(`${hubUrl}${p}`, {
    ...init,
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json", ...init.headers },
  });

beforeAll(async () => {
  db = await createTestDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-bp-hub-"));
  hub = spawnHub({
    DATABASE_URL: db.url,
    PORT: String(await findFreePort()),
    SCION_DATA_DIR: dataDir,
    SESSION_SECRET: "broker-process-".padEnd(48, "q"),
  });
  hubUrl = await hub.ready;
  adminToken = fs.readFileSync(path.join(dataDir, "dev-token"), "utf8").trim();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  hub.child.kill("SIGTERM");
  await hub.exited;
  await db.drop();
});

describe("npm run broker", () => {
  it("joins with its token, connects, keeps its secret 0600, and reconnects after a restart without the token", async () => {
    const reg = (await (
      await api("/api/v1/runtime-brokers", { method: "POST", body: JSON.stringify({ name: "proc-broker" }) })
    ).json()) as { broker: { id: string }; joinToken: string };
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-bp-broker-"));
    const gemini = path.join(dataDir, "my-gemini");
    fs.writeFileSync(gemini, "#!/bin/sh\necho 0.99.1\n", { mode: 0o755 });
    const first = spawnBroker({
      SCION_HUB_URLS: hubUrl,
      SCION_JOIN_TOKEN: reg.joinToken,
      SCION_DATA_DIR: dataDir,
      SCION_HARNESS_GEMINI_BIN: gemini,
    });
    await first.connected();
    // On connect it says which harnesses it can run: installable on first use, or the binary it was given.
    let capabilities: { harnessStatus?: Record<string, unknown> } = {};
    for (
      const until = Date.now() + 5000;
      !capabilities.harnessStatus && Date.now() < until;
      await new Promise((r) => setTimeout(r, 50))
    ) {
      capabilities = (
        (await (await api(`/api/v1/runtime-brokers/${reg.broker.id}`)).json()) as { capabilities: typeof capabilities }
      ).capabilities;
    }
    expect(capabilities.harnessStatus).toEqual({
      claude: { available: true, version: "2.1.332", installed: false },
      gemini: { available: true, version: "0.99.1", installed: true },
      codex: { available: true, version: "0.171.0", installed: false },
      shell: { available: true, version: null, installed: false },
      generic: { available: true, version: null, installed: false },
    });
    const credentialsFile = path.join(dataDir, "broker-credentials.json");
    expect(fs.statSync(credentialsFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(credentialsFile, "utf8"))).toMatchObject({ brokerId: reg.broker.id });
    const online = (await (await api(`/api/v1/runtime-brokers/${reg.broker.id}`)).json()) as { status: string };
    expect(online.status).toBe("online");

    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    const deadline = Date.now() + 5000;
    let status = "online";
    while (status !== "offline" && Date.now() < deadline) {
      status = ((await (await api(`/api/v1/runtime-brokers/${reg.broker.id}`)).json()) as { status: string }).status;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe("offline");

    const again = spawnBroker({ SCION_HUB_URLS: hubUrl, SCION_DATA_DIR: dataDir });
    await again.connected();
    again.child.kill("SIGTERM");
    expect(await again.exited).toBe(0);
  });

  it("`npm run broker`: SIGTERM to npm alone (which does not pass it on) stops the broker gracefully, leaving nothing running", async () => {
    const reg = (await (
      await api("/api/v1/runtime-brokers", { method: "POST", body: JSON.stringify({ name: "npm-broker" }) })
    ).json()) as { broker: { id: string }; joinToken: string };
    const npm = spawn("npm", ["run", "broker"], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: "production",
        SCION_LOG_LEVEL: "info",
        SCION_HUB_URLS: hubUrl,
        SCION_JOIN_TOKEN: reg.joinToken,
        SCION_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "scion-bp-npm-")),
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    children.push(npm);
    let out = "";
    npm.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    npm.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    const status = async () =>
      ((await (await api(`/api/v1/runtime-brokers/${reg.broker.id}`)).json()) as { status: string }).status;
    await until(() => out.includes(`Scion broker connected to ${hubUrl}`), "the broker connected", 60_000);
    expect(await status()).toBe("online");

    npm.kill("SIGTERM");
    // The broker says goodbye to the hub (offline at once, not after a missed heartbeat) and exits.
    await until(async () => (await status()) === "offline", "the broker offline", 10_000);
    await until(() => liveProcessesInGroup(npm.pid!).length === 0, "no process left in npm's group", 10_000);
    expect(out).toContain('"signal":"SIGTERM"');
  });

  it.each([
    [{}, "scion-broker: SCION_HUB_URLS: needs at least one hub URL"],
    [{ SCION_HUB_URLS: "ftp://hub" }, "scion-broker: SCION_HUB_URLS: must be http:// or https:// URLs"],
    [
      { SCION_HUB_URLS: "http://127.0.0.1:1" },
      "scion-broker: SCION_JOIN_TOKEN: required on the first start (ask an admin to register this broker)",
    ],
    [
      { SCION_HUB_URLS: "http://127.0.0.1:1", SCION_JOIN_TOKEN: "nope" },
      "scion-broker: SCION_JOIN_TOKEN: is not a join token (scion_join_…)",
    ],
    [
      { SCION_HUB_URLS: "http://127.0.0.1:1,http://hub.example.com" },
      "scion-broker: SCION_HUB_URLS: a plaintext http:// hub that is not on this machine would expose agent tokens, secrets and terminals to the network; use https:// (or SCION_ALLOW_INSECURE_HUB=true on a network you trust)",
    ],
    [
      { SCION_HUB_URLS: "http://hub.example.com", SCION_ALLOW_INSECURE_HUB: "true" },
      "scion-broker: SCION_JOIN_TOKEN: required on the first start (ask an admin to register this broker)",
    ],
    [
      { SCION_HUB_URLS: "https://hub.example.com", SCION_DOCKER_NETWORK: "host" },
      "scion-broker: SCION_DOCKER_NETWORK: host networking gives agents the broker's network, loopback services included; set SCION_DOCKER_ALLOW_HOST_NETWORK=true to allow it",
    ],
    [
      { SCION_HUB_URLS: "https://hub.example.com", SCION_HARNESS_CLAUDE_BIN: "bin/claude" },
      "scion-broker: SCION_HARNESS_CLAUDE_BIN: must be an absolute path to the CLI",
    ],
    [
      { SCION_HUB_URLS: "https://hub.example.com", SCION_DOCKER_MEMORY: "lots" },
      'scion-broker: SCION_DOCKER_MEMORY: must be a size such as "4g", "512m" or a number of bytes ("0" for no limit)',
    ],
  ])("refuses a bad configuration %j with one line", async (env, line) => {
    const b = spawnBroker({ SCION_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "scion-bp-bad-")), ...env });
    expect(await b.exited).toBe(1);
    expect(b.stderr()).toBe(`${line}\n`);
  });

  it("a used join token is refused with the hub's reason", async () => {
    const reg = (await (
      await api("/api/v1/runtime-brokers", { method: "POST", body: JSON.stringify({ name: "twice" }) })
    ).json()) as { joinToken: string };
    const one = spawnBroker({
      SCION_HUB_URLS: hubUrl,
      SCION_JOIN_TOKEN: reg.joinToken,
      SCION_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "scion-bp-1-")),
    });
    await one.connected();
    const two = spawnBroker({
      SCION_HUB_URLS: hubUrl,
      SCION_JOIN_TOKEN: reg.joinToken,
      SCION_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "scion-bp-2-")),
    });
    expect(await two.exited).toBe(1);
    expect(two.stderr()).toBe(
      "scion-broker: SCION_JOIN_TOKEN: the hub refused it: The join token is invalid, used or expired; register the broker again.\n",
    );
    one.child.kill("SIGTERM");
    await one.exited;
  });
});
