/**
 * Root without surprises: a root user whose data directory sits under a 0700 directory (a checkout
 * in /root, a `mktemp -d`) starts the hub with no set-up. The embedded Postgres (run as the
 * `postgres` user) and the local broker's agents (users of their own) cannot pass through that
 * directory, so the hub keeps them in a per-instance directory under /var/lib/scion-hub, recorded
 * in the data directory; the secrets stay in the data directory. A restart finds the same database.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalRuntime } from "../../broker/runtimes/local-runtime";
import { RELOCATED_STATE_ROOT, STATE_DIR_RECORD } from "../../lib/runtime/reachable-state-dir";
import { reapAgentsUnder } from "../reap-agents";
import { jsonLines, spawnHub, type SpawnedHub } from "../spawn-hub";
import { until } from "../until";

const ROOT_ONLY = process.getuid?.() === 0;
const parent = fs.mkdtempSync(path.join(os.tmpdir(), "scion-root-"));
const dataDir = path.join(parent, ".scion");
let stateDir: string | undefined;

afterAll(() => {
  if (stateDir) {
    reapAgentsUnder(stateDir);
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
  fs.rmSync(parent, { recursive: true, force: true });
}, 60_000);

async function startHub(): Promise<{ hub: SpawnedHub; url: string; token: string }> {
  const hub = spawnHub({
    SCION_DATA_DIR: dataDir,
    PORT: "0",
    SCION_LOG_LEVEL: "info",
    SCION_PORT_RANGE: "44300-44399",
  });
  const url = await hub.ready;
  const token = fs.readFileSync(path.join(dataDir, "dev-token"), "utf8").trim();
  return { hub, url, token };
}

async function localBrokerOnline(url: string, token: string): Promise<void> {
  await until(
    async () => {
      const res = await fetch(`${url}/api/v1/runtime-brokers`, { headers: { authorization: `Bearer ${token}` } });
      return ((await res.json()) as { items: Array<{ status: string }> }).items.some((b) => b.status === "online");
    },
    "the local broker online",
    30_000,
  );
}

async function stopHub(hub: SpawnedHub): Promise<number | null> {
  hub.child.kill("SIGTERM");
  return (await hub.exited).code;
}

describe.runIf(ROOT_ONLY)("a root start from a data directory under a 0700 parent", () => {
  it("starts with no set-up, runs an agent on the local broker, and restarts on the same database", async () => {
    expect(fs.statSync(parent).mode & 0o777).toBe(0o700);
    const first = await startHub();
    const api = async <T>(pathname: string, init: { method?: string; json?: unknown } = {}) => {
      const res = await fetch(`${first.url}${pathname}`, {
        method: init.method ?? "GET",
        headers: { authorization: `Bearer ${first.token}`, "content-type": "application/json" },
        body: init.json === undefined ? undefined : JSON.stringify(init.json),
      });
      return { status: res.status, body: (await res.json()) as T };
    };

    // The state directory is recorded, lives under /var/lib/scion-hub and holds the cluster; the
    // secrets stay in the data directory, root's alone.
    stateDir = fs.readFileSync(path.join(dataDir, STATE_DIR_RECORD), "utf8").trim();
    expect(path.dirname(stateDir)).toBe(RELOCATED_STATE_ROOT);
    expect(fs.existsSync(path.join(stateDir, "postgres", "PG_VERSION"))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, "postgres"))).toBe(false);
    expect(fs.statSync(path.join(dataDir, "postgres-credentials.json")).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dataDir, "session-secret")).mode & 0o777).toBe(0o600);
    const relocated = jsonLines(first.hub.stdout()).find((l) => l.stateDir === stateDir);
    expect(relocated?.msg).toMatch(/closed to other users/);

    // An agent of the local broker runs as a user of its own, in the state directory.
    await localBrokerOnline(first.url, first.token);
    const project = await api<{ id: string }>("/api/v1/projects", { method: "POST", json: { name: "rooted" } });
    expect(project.status).toBe(201);
    const agent = await api<{ id: string; phase: string }>("/api/v1/agents", {
      method: "POST",
      json: {
        projectId: project.body.id,
        name: "worker",
        harness: "generic",
        command: "echo hello-from-a-root-start > out.txt; exec cat",
        start: true,
      },
    });
    expect(agent.status).toBe(201);
    expect(agent.body.phase).toBe("running");
    const out = path.join(new LocalRuntime(path.join(stateDir, "broker")).workspaceOf(agent.body.id), "out.txt");
    await until(() => fs.existsSync(out), "the agent's file in the state directory");
    expect(fs.readFileSync(out, "utf8")).toBe("hello-from-a-root-start\n");
    expect(await stopHub(first.hub)).toBe(0);

    // A restart finds the same state directory and database: the agent is still there.
    // The agent outlived the hub and its broker, which is back with it running.
    const second = await startHub();
    try {
      expect(fs.readFileSync(path.join(dataDir, STATE_DIR_RECORD), "utf8").trim()).toBe(stateDir);
      const read = async () =>
        (await (
          await fetch(`${second.url}/api/v1/agents/${agent.body.id}`, {
            headers: { authorization: `Bearer ${second.token}` },
          })
        ).json()) as { name: string; phase: string };
      expect((await read()).name).toBe("worker");
      await localBrokerOnline(second.url, second.token);
      expect((await read()).phase).toBe("running");
      const del = await fetch(`${second.url}/api/v1/agents/${agent.body.id}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${second.token}` },
      });
      expect(del.status).toBeLessThan(300);
    } finally {
      expect(await stopHub(second.hub)).toBe(0);
    }
  }, 180_000);

  it("refuses, naming the directory, when the recorded state directory has gone", async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "scion-root-gone-"));
    try {
      const data = path.join(other, ".scion");
      fs.mkdirSync(data);
      fs.writeFileSync(path.join(data, STATE_DIR_RECORD), `${RELOCATED_STATE_ROOT}/no-such-instance\n`);
      const hub = spawnHub({ SCION_DATA_DIR: data, PORT: "0", SCION_LOCAL_BROKER: "false" });
      await expect(hub.ready).rejects.toThrow(/no-such-instance, which is missing/);
      expect((await hub.exited).code).not.toBe(0);
      expect(fs.existsSync(`${RELOCATED_STATE_ROOT}/no-such-instance`)).toBe(false);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  }, 60_000);
});
