import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeCredentialFiles, writeHarnessConfig } from "../../broker/harness-config";
import { LocalRuntime } from "../../broker/runtimes/local-runtime";
import { claude } from "../../lib/harnesses/claude";
import { codex } from "../../lib/harnesses/codex";

// Run as root: the agent is a user of its own (AgentUsers), as on a production broker.
let dataDir: string;
let runtime: LocalRuntime;
let agentId: string;
let home: string;
let owner: { uid: number; gid: number };

beforeEach(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-harness-config-"));
  fs.chmodSync(dataDir, 0o711);
  runtime = new LocalRuntime(dataDir);
  agentId = crypto.randomUUID();
  await runtime.prepare(agentId);
  home = runtime.homeOf(agentId);
  owner = runtime.fileOwner(agentId)!;
});
afterEach(async () => {
  await runtime.remove(agentId);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const ctx = () => ({
  home,
  workspace: runtime.workspaceOf(agentId),
  hookCommand: "/usr/bin/node /opt/scion-agent.mjs hook --dialect claude",
  model: "claude-sonnet-4-5",
});

function modeOf(file: string) {
  const stat = fs.lstatSync(file);
  return { uid: stat.uid, gid: stat.gid, mode: stat.mode & 0o777, file: stat.isFile(), dir: stat.isDirectory() };
}

describe("writing a harness's configuration into the agent's HOME", () => {
  it("writes the descriptor's files as the agent's (0600 in 0700 directories, its uid), with the hook command", () => {
    expect(runtime.isolated).toBe(true);
    expect(owner.uid).not.toBe(0);
    writeHarnessConfig(home, claude.configFiles!(ctx()), owner);
    expect(modeOf(path.join(home, ".claude"))).toEqual({
      uid: owner.uid,
      gid: owner.gid,
      mode: 0o700,
      file: false,
      dir: true,
    });
    expect(modeOf(path.join(home, ".claude", "settings.json"))).toEqual({
      uid: owner.uid,
      gid: owner.gid,
      mode: 0o600,
      file: true,
      dir: false,
    });
    expect(modeOf(path.join(home, ".claude.json"))).toEqual({
      uid: owner.uid,
      gid: owner.gid,
      mode: 0o600,
      file: true,
      dir: false,
    });
    const settings = JSON.parse(fs.readFileSync(path.join(home, ".claude", "settings.json"), "utf8"));
    expect(settings.hooks.Stop[0].hooks[0].command).toBe("/usr/bin/node /opt/scion-agent.mjs hook --dialect claude");
    expect(settings.env.ANTHROPIC_MODEL).toBe("claude-sonnet-4-5");
    // No scratch files are left next to them.
    expect(fs.readdirSync(path.join(home, ".claude"))).toEqual(["settings.json"]);
  });

  it("never follows a link the agent planted: a file link or a directory link is replaced, its target untouched", () => {
    const victim = path.join(dataDir, "passwd");
    fs.writeFileSync(victim, "root:x:0:0:root:/root:/bin/bash\n", { mode: 0o644 });
    const victimDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-victim-dir-"));
    fs.mkdirSync(path.join(home, ".claude"), { mode: 0o700 });
    fs.symlinkSync(victim, path.join(home, ".claude", "settings.json"));
    fs.symlinkSync(victim, path.join(home, ".claude.json"));
    fs.symlinkSync(victimDir, path.join(home, ".codex"));

    writeHarnessConfig(home, claude.configFiles!(ctx()), owner);
    writeHarnessConfig(
      home,
      codex.configFiles!({ ...ctx(), hookCommand: "/usr/bin/node /opt/scion-agent.mjs hook --dialect codex" }),
      owner,
    );

    expect(fs.readFileSync(victim, "utf8")).toBe("root:x:0:0:root:/root:/bin/bash\n");
    expect(modeOf(victim)).toMatchObject({ uid: 0, mode: 0o644 });
    expect(fs.readdirSync(victimDir)).toEqual([]);
    expect(modeOf(path.join(home, ".claude", "settings.json"))).toMatchObject({
      file: true,
      uid: owner.uid,
      mode: 0o600,
    });
    expect(modeOf(path.join(home, ".claude.json"))).toMatchObject({ file: true, uid: owner.uid });
    expect(modeOf(path.join(home, ".codex"))).toMatchObject({ dir: true, uid: owner.uid, mode: 0o700 });
    expect(fs.readFileSync(path.join(home, ".codex", "config.toml"), "utf8")).toContain('trust_level = "trusted"');
    expect(fs.readFileSync(path.join(home, ".codex", "hooks.json"), "utf8")).toContain(
      '"command": "/usr/bin/node /opt/scion-agent.mjs hook --dialect codex"',
    );
    fs.rmSync(victimDir, { recursive: true, force: true });
  });

  it("merges into the harness's own JSON state: its keys stay, ours win", () => {
    const other = "/somewhere/else";
    fs.writeFileSync(
      path.join(home, ".claude.json"),
      JSON.stringify({
        numStartups: 7,
        hasCompletedOnboarding: false,
        userID: "abc",
        projects: {
          [other]: { hasTrustDialogAccepted: false, history: ["x"] },
          [runtime.workspaceOf(agentId)]: { history: ["y"] },
        },
      }),
    );
    writeHarnessConfig(home, claude.configFiles!(ctx()), owner);
    const state = JSON.parse(fs.readFileSync(path.join(home, ".claude.json"), "utf8"));
    expect(state).toMatchObject({
      numStartups: 7,
      userID: "abc",
      hasCompletedOnboarding: true,
      bypassPermissionsModeAccepted: true,
    });
    expect(state.projects[other]).toEqual({ hasTrustDialogAccepted: false, history: ["x"] });
    expect(state.projects[runtime.workspaceOf(agentId)]).toEqual({
      history: ["y"],
      hasTrustDialogAccepted: true,
      hasCompletedProjectOnboarding: true,
    });

    // A file that is not a JSON object is replaced by ours.
    fs.writeFileSync(path.join(home, ".claude.json"), "not json");
    writeHarnessConfig(home, claude.configFiles!(ctx()), owner);
    expect(JSON.parse(fs.readFileSync(path.join(home, ".claude.json"), "utf8")).hasCompletedOnboarding).toBe(true);
  });

  it("writes credential files 0600 as the agent's, and refuses paths outside HOME without writing anything", () => {
    writeCredentialFiles(home, [{ path: ".claude/.credentials.json", value: '{"claudeAiOauth":{}}' }], owner);
    expect(fs.readFileSync(path.join(home, ".claude", ".credentials.json"), "utf8")).toBe('{"claudeAiOauth":{}}');
    expect(modeOf(path.join(home, ".claude", ".credentials.json"))).toMatchObject({ uid: owner.uid, mode: 0o600 });
    for (const bad of ["../escape", "/etc/evil", ".claude/../../escape", "a//b", ""]) {
      expect(() => writeCredentialFiles(home, [{ path: bad, value: "x" }], owner)).toThrow(
        /refusing to write outside HOME/,
      );
    }
    expect(fs.existsSync(path.join(runtime.agentDirOf(agentId), "escape"))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, "agents", "escape"))).toBe(false);
  });
});
