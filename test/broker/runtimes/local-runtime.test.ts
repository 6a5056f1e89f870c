import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { execFileSync, spawn } from "node:child_process";
import { isSameProcess, LocalRuntime, paneProcess } from "../../../broker/runtimes/local-runtime";

const runtimes: LocalRuntime[] = [];
function runtime(): LocalRuntime {
  const r = new LocalRuntime(fs.mkdtempSync(path.join(os.tmpdir(), "scion-tmux-")));
  runtimes.push(r);
  return r;
}
afterEach(async () => {
  // remove(), not stop(): agents of a root broker have users of their own, deleted with them.
  for (const r of runtimes.splice(0)) for (const id of await r.listRunning()) await r.remove(id);
});

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The pid of the process in the agent's pane, as the agent's own tmux server has it. */
function panePid(r: LocalRuntime, agentId: string): number {
  return Number(
    execFileSync("tmux", [
      ...r.serverArgs(agentId),
      "display-message",
      "-p",
      "-t",
      `=scion-${agentId}:`,
      "#{pane_pid}",
    ]),
  );
}

describe("LocalRuntime (real tmux)", () => {
  it("runs an agent in its own session and workspace with its environment", async () => {
    const r = runtime();
    const agentId = crypto.randomUUID();
    await r.start({
      agentId,
      argv: ["sh", "-c", 'echo "port=$AVAILABLE_LOCALHOST_PORT_A quote=$TRICKY"; pwd; sleep 60'],
      env: { AVAILABLE_LOCALHOST_PORT_A: "8000", TRICKY: "a'b\"c $(rm -rf /)" },
    });
    expect(await r.isRunning(agentId)).toBe(true);
    expect(await r.listRunning()).toEqual([agentId]);
    await until(async () => (await r.capture(agentId)).includes("port=8000"));
    const screen = await r.capture(agentId);
    expect(screen).toContain(`quote=a'b"c $(rm -rf /)`);
    expect(screen).toContain(path.join("workspaces", agentId));
  });

  it("types a message into the session", async () => {
    const r = runtime();
    const agentId = crypto.randomUUID();
    await r.start({ agentId, argv: ["cat"], env: {} });
    await r.sendText(agentId, "hello agent; echo not-run");
    await until(
      async () => (await r.capture(agentId)).split("\n").filter((l) => l === "hello agent; echo not-run").length === 2,
    );
  });

  it("start, stop and remove are idempotent", async () => {
    const r = runtime();
    const agentId = crypto.randomUUID();
    await r.start({ agentId, argv: ["sleep", "60"], env: {} });
    await r.start({ agentId, argv: ["sleep", "60"], env: {} });
    expect(await r.listRunning()).toEqual([agentId]);
    await r.stop(agentId);
    await r.stop(agentId);
    expect(await r.isRunning(agentId)).toBe(false);
    const workspace = r.workspaceOf(agentId);
    expect(fs.existsSync(workspace)).toBe(true);
    await r.remove(agentId);
    await r.remove(agentId);
    expect(fs.existsSync(workspace)).toBe(false);
  });

  it("signals the process in the agent's pane, again and again, and after a restart the new process, never the old pid", async () => {
    const r = runtime();
    const agentId = crypto.randomUUID();
    const argv = ["sh", "-c", "n=0; trap 'n=$((n+1)); echo \"got-usr1-$n\"' USR1; while :; do sleep 0.1; done"];
    await r.start({ agentId, argv, env: {} });
    for (const n of [1, 2, 3]) {
      expect(await r.signal(agentId, "SIGUSR1")).toBe(true);
      await until(async () => (await r.capture(agentId)).includes(`got-usr1-${n}`));
    }
    await r.stop(agentId);
    expect(await r.signal(agentId, "SIGUSR1")).toBe(false);
    await r.start({ agentId, argv, env: {} });
    expect(await r.signal(agentId, "SIGUSR1")).toBe(true);
    await until(async () => (await r.capture(agentId)).includes("got-usr1-1"));
    expect(await r.capture(agentId)).not.toContain("got-usr1-2");
  });

  it("a pane whose process was replaced, and a broker that did not start the agent, still signal the pane's process", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-tmux-"));
    const r = new LocalRuntime(dataDir);
    runtimes.push(r);
    const agentId = crypto.randomUUID();
    const trap = (name: string) => ["sh", "-c", `trap 'echo "${name}-got-usr1"' USR1; while :; do sleep 0.1; done`];
    await r.start({ agentId, argv: trap("first"), env: {} });
    // The session's process ends without the runtime's stop (it crashed): a new start makes a new pane.
    const firstPid = panePid(r, agentId);
    process.kill(firstPid, "SIGKILL");
    await until(async () => !(await r.isRunning(agentId)));
    await r.start({ agentId, argv: trap("second"), env: {} });
    expect(await r.signal(agentId, "SIGUSR1")).toBe(true);
    await until(async () => (await r.capture(agentId)).includes("second-got-usr1"));
    // A broker restarted on the same data directory has nothing remembered: it asks tmux.
    const restarted = new LocalRuntime(dataDir);
    expect(await restarted.signal(agentId, "SIGUSR1")).toBe(true);
    await until(async () => (await r.capture(agentId)).split("second-got-usr1").length === 3);
  });

  it("runs an agent's processes below the broker's CPU priority, and their scheduling group too", async () => {
    const niced = new LocalRuntime(fs.mkdtempSync(path.join(os.tmpdir(), "scion-tmux-")), undefined, { nice: 7 });
    runtimes.push(niced);
    const plain = runtime();
    const argv = ["sh", "-c", "sleep 60 & wait"];
    const nicedId = crypto.randomUUID();
    const plainId = crypto.randomUUID();
    await niced.start({ agentId: nicedId, argv, env: {} });
    await plain.start({ agentId: plainId, argv, env: {} });
    // /proc/<pid>/stat: the 19th field is the nice value and the 41st the scheduling policy (3 is
    // SCHED_BATCH: woken, it waits for the tick instead of preempting the broker).
    const statOf = (pid: number) => {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    };
    const niceOf = (pid: number) => Number(statOf(pid)[16]);
    const policyOf = (pid: number) => Number(statOf(pid)[38]);
    const childOf = async (pid: number) => {
      let child = "";
      await until(async () => {
        child = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
        return child !== "";
      });
      return Number(child.split(" ")[0]);
    };
    const [nicedPane, plainPane] = [panePid(niced, nicedId), panePid(plain, plainId)];
    // The pane's first process (the shim, in an agent) and what it starts (the harness).
    const [nicedChild, plainChild] = [await childOf(nicedPane), await childOf(plainPane)];
    expect([niceOf(nicedPane), niceOf(nicedChild)]).toEqual([7, 7]);
    expect([policyOf(nicedPane), policyOf(nicedChild)]).toEqual([3, 3]);
    expect([niceOf(plainPane), niceOf(plainChild)]).toEqual([0, 0]);
    expect([policyOf(plainPane), policyOf(plainChild)]).toEqual([0, 0]);
    // With autogroups each pane is a session, a group of its own: the group's nice is what the
    // scheduler weighs against the broker's, so the group carries it.
    const autogroups = "/proc/sys/kernel/sched_autogroup_enabled";
    if (fs.existsSync(autogroups) && fs.readFileSync(autogroups, "utf8").trim() === "1") {
      expect(fs.readFileSync(`/proc/${nicedPane}/autogroup`, "utf8")).toMatch(/ nice 7\n$/);
      expect(fs.readFileSync(`/proc/${plainPane}/autogroup`, "utf8")).toMatch(/ nice 0\n$/);
    }
  });

  it("a remembered process is the same only while that very process lives (pid, start time and owner)", async () => {
    const child = spawn("sleep", ["30"]);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const known = paneProcess(child.pid!)!;
    expect(known).toMatchObject({ pid: child.pid, uid: process.getuid!() });
    expect(known.startTime).toMatch(/^\d+$/);
    expect(isSameProcess(known)).toBe(true);
    // A pid reused by another process has another start time, or another owner.
    expect(isSameProcess({ ...known, startTime: String(Number(known.startTime) + 1) })).toBe(false);
    expect(isSameProcess({ ...known, uid: known.uid + 1 })).toBe(false);
    child.kill("SIGKILL");
    await exited;
    expect(isSameProcess(known)).toBe(false);
    expect(paneProcess(child.pid!)).toBeUndefined();
  });

  it("uses a named tmux server when the data directory is too deep for a socket path", async () => {
    const deep = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "scion-deep-")), "d".repeat(60), "e".repeat(60));
    const r = new LocalRuntime(deep);
    runtimes.push(r);
    const agentId = crypto.randomUUID();
    expect(r.serverArgs(agentId)[0]).toBe("-L");
    await r.start({ agentId, argv: ["sleep", "60"], env: {} });
    expect(await r.isRunning(agentId)).toBe(true);
    expect(await r.listRunning()).toEqual([agentId]);
    expect(r.attachCommand(agentId)).toEqual([
      "tmux",
      "-L",
      r.serverArgs(agentId)[1],
      "attach-session",
      "-t",
      `=scion-${agentId}`,
    ]);
  });

  it("refuses ids that are not agent ids before anything reaches tmux", async () => {
    const r = runtime();
    await expect(r.start({ agentId: "x; rm -rf /", argv: ["true"], env: {} })).rejects.toThrow("not an agent id");
    expect(await r.listRunning()).toEqual([]);
  });
});
