import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findFreePort } from "../../../lib/db/embedded-postgres";
import { PortPool, PortPoolExhaustedError, portEnvironment } from "../../../broker/port-pool";

const always = { isPortFree: async () => true };

describe("PortPool", () => {
  it("hands out the lowest free ports, lettered, with URLs when a host URL is set", async () => {
    const pool = new PortPool({ range: "8000-8009", portsPerAgent: 2, hostUrl: "http://203.0.113.7//" }, always);
    const a = await pool.allocate("a");
    expect(a).toEqual({
      ports: { A: 8000, B: 8001 },
      urls: { A: "http://203.0.113.7:8000", B: "http://203.0.113.7:8001" },
    });
    expect(portEnvironment(a)).toEqual({
      AVAILABLE_LOCALHOST_PORT_A: "8000",
      AVAILABLE_LOCALHOST_PORT_B: "8001",
      AVAILABLE_LOCALHOST_URL_A: "http://203.0.113.7:8000",
      AVAILABLE_LOCALHOST_URL_B: "http://203.0.113.7:8001",
    });
    expect((await pool.allocate("b")).ports).toEqual({ A: 8002, B: 8003 });
    pool.release("a");
    expect((await pool.allocate("c")).ports).toEqual({ A: 8000, B: 8001 });
  });

  it("gives an agent that already holds ports the same ones (restart releases first, then allocates)", async () => {
    const pool = new PortPool({ range: "8000-8009" }, always);
    const first = await pool.allocate("a");
    expect(await pool.allocate("a")).toEqual(first);
    pool.release("a");
    pool.release("a");
    expect(await pool.allocate("a")).toEqual(first);
    expect(portEnvironment(first)).toEqual({ AVAILABLE_LOCALHOST_PORT_A: "8000", AVAILABLE_LOCALHOST_PORT_B: "8001" });
  });

  it("50 concurrent allocations never collide", async () => {
    let calls = 0;
    // A slow, asynchronous free-port check interleaves the allocations as much as possible.
    const pool = new PortPool(
      { range: "20000-20199", portsPerAgent: 2 },
      { isPortFree: () => new Promise((r) => setTimeout(() => r(++calls > 0), Math.random() * 3)) },
    );
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => pool.allocate(`agent-${i}`)));
    const ports = results.flatMap((r) => Object.values(r.ports));
    expect(ports).toHaveLength(100);
    expect(new Set(ports).size).toBe(100);
    expect(Math.max(...ports)).toBe(20099);
  });

  it("exhaustion fails that allocation cleanly and leaks nothing", async () => {
    const pool = new PortPool({ range: "8000-8004", portsPerAgent: 2 }, always);
    await pool.allocate("a");
    await pool.allocate("b");
    const failed = pool.allocate("c");
    await expect(failed).rejects.toBeInstanceOf(PortPoolExhaustedError);
    await expect(failed).rejects.toThrow(
      "no 2 free ports left in 8000-8004 (2 agents hold 4); stop an agent or widen the range",
    );
    expect(pool.snapshot()).toEqual({ a: [8000, 8001], b: [8002, 8003] });
    pool.release("a");
    expect((await pool.allocate("c")).ports).toEqual({ A: 8000, B: 8001 });
  });

  it("after a broker restart, ports of agents still running are not handed out again", async () => {
    const pool = new PortPool({ range: "8000-8009" }, always);
    pool.restore("survivor", [8000, 8001]);
    expect((await pool.allocate("new")).ports).toEqual({ A: 8002, B: 8003 });
    expect(() => pool.restore("impostor", [8002])).toThrow("port 8002 is claimed by two agents");
  });

  it("saves its holdings to a file; a new pool restores those of agents still running, forgets the rest", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "port-pool-"));
    try {
      const file = path.join(dir, "ports.json");
      const before = new PortPool({ range: "8000-8009" }, always);
      await before.allocate("survivor");
      await before.allocate("gone");
      before.saveTo(file);
      expect((fs.statSync(file).mode & 0o777).toString(8)).toBe("600");

      const after = new PortPool({ range: "8000-8009" }, always);
      after.restoreFrom(file, new Set(["survivor"]));
      expect(after.snapshot()).toEqual({ survivor: [8000, 8001] });
      expect((await after.allocate("new")).ports).toEqual({ A: 8002, B: 8003 });

      const fresh = new PortPool({ range: "8000-8009" }, always);
      fresh.restoreFrom(path.join(dir, "missing.json"), new Set(["survivor"]));
      expect(fresh.snapshot()).toEqual({});
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("skips ports another program on this machine already listens on", async () => {
    const busy = await findFreePort();
    const server = net.createServer().listen(busy);
    await new Promise((r) => server.once("listening", r));
    try {
      const pool = new PortPool({ range: `${busy}-${busy + 5}`, portsPerAgent: 1 });
      expect((await pool.allocate("a")).ports.A).not.toBe(busy);
    } finally {
      server.close();
    }
  });

  it.each([
    [{ range: "9000-8000" }, "must start at or below its end"],
    [{ range: "80-90" }, "must lie within 1024-65535"],
    [{ range: "8000" }, 'port pool range: must look like "8000-9000"'],
    [{ range: "8000-8000", portsPerAgent: 2 }, "holds fewer than portsPerAgent (2) ports"],
    [{ portsPerAgent: 0 }, "must be at least 1"],
    [{ hostUrl: "http://host:8080" }, "must be a scheme and host"],
    [{ hostUrl: "ftp://host" }, "must be a scheme and host"],
  ])("refuses invalid settings %j with a clear message", (settings, message) => {
    expect(() => new PortPool(settings, always)).toThrow(message);
  });
});
