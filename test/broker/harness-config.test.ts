import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  withHarnessSettings,
  writeCredentialFiles,
  writeHarnessConfig,
  writeTemplateFiles,
} from "../../broker/harness-config";
import { LocalRuntime } from "../../broker/runtimes/local-runtime";
import { claude } from "../../lib/harnesses/claude";
import { codex } from "../../lib/harnesses/codex";
import { gemini } from "../../lib/harnesses/gemini";

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
    // The instructions file tells the model how to reach people (scion-agent say|ask).
    expect(fs.readFileSync(path.join(home, ".claude", "CLAUDE.md"), "utf8")).toContain("scion-agent ask");
    // No scratch files are left next to them.
    expect(fs.readdirSync(path.join(home, ".claude")).sort()).toEqual(["CLAUDE.md", "settings.json"]);
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

describe("a harness config's settings, merged into the harness's own config file", () => {
  it("Claude: the settings' keys join settings.json, and the hub's hooks and permissions win over any sent anyway", () => {
    const files = withHarnessSettings(claude, claude.configFiles!(ctx()), {
      theme: "dark",
      includeCoAuthoredBy: false,
      hooks: { Stop: [{ hooks: [{ type: "command", command: "/tmp/evil" }] }] },
      permissions: { defaultMode: "plan" },
      env: { DISABLE_TELEMETRY: "0", EXTRA: "1" },
    });
    writeHarnessConfig(home, files, owner);
    const settings = JSON.parse(fs.readFileSync(path.join(home, ".claude", "settings.json"), "utf8"));
    expect(settings.theme).toBe("dark");
    expect(settings.includeCoAuthoredBy).toBe(false);
    expect(settings.hooks.Stop[0].hooks[0].command).toBe("/usr/bin/node /opt/scion-agent.mjs hook --dialect claude");
    expect(JSON.stringify(settings)).not.toContain("/tmp/evil");
    expect(settings.permissions).toEqual({ defaultMode: "bypassPermissions" });
    // Reserved keys never reach the file, even ones the hub would not have overwritten.
    expect(settings.env.EXTRA).toBeUndefined();
    expect(settings.env.DISABLE_TELEMETRY).toBe("1");
    expect(modeOf(path.join(home, ".claude", "settings.json"))).toMatchObject({ uid: owner.uid, mode: 0o600 });
  });

  it("Gemini: nested settings merge key by key, the hub's auth and model stay", () => {
    const files = withHarnessSettings(gemini, gemini.configFiles!({ ...ctx(), hookCommand: "hook-gemini" }), {
      ui: { theme: "GitHub" },
      general: { vimMode: true, disableAutoUpdate: false },
      security: { auth: { selectedType: "oauth-personal" } },
      model: { name: "other", maxSessionTurns: 20 },
    });
    const settings = JSON.parse(files.find((f) => f.path === ".gemini/settings.json")!.content);
    expect(settings.ui).toEqual({ theme: "GitHub" });
    expect(settings.general).toEqual({ vimMode: true, disableAutoUpdate: true, disableUpdateNag: true });
    expect(settings.security.auth.selectedType).toBe("gemini-api-key");
    expect(settings.model).toEqual({ name: "claude-sonnet-4-5", maxSessionTurns: 20 });
    expect(settings.hooks.AfterAgent[0].hooks[0].command).toBe("hook-gemini");
  });

  it("Codex: top-level keys go before the hub's, tables after, and no key is written twice", () => {
    const files = withHarnessSettings(codex, codex.configFiles!({ ...ctx(), hookCommand: "hook-codex" }), {
      model_reasoning_effort: "high",
      approval_policy: "on-request",
      "odd key": 'a "quoted" value',
      mcp_servers: { docs: { command: "docs-mcp", args: ["--stdio", "-v"], env: { LEVEL: 2 } } },
      tui: { notifications: true },
    });
    const toml = files.find((f) => f.path === ".codex/config.toml")!.content;
    const lines = toml.split("\n");
    const firstTable = lines.findIndex((l) => l.startsWith("["));
    expect(lines.indexOf('model_reasoning_effort = "high"')).toBeLessThan(firstTable);
    expect(lines.indexOf('"odd key" = "a \\"quoted\\" value"')).toBeLessThan(firstTable);
    expect(lines.filter((l) => l.startsWith("approval_policy"))).toEqual(['approval_policy = "never"']);
    const docs = lines.indexOf("[mcp_servers.docs]");
    expect(docs).toBeGreaterThan(lines.indexOf("[analytics]"));
    expect(lines.slice(docs + 1, docs + 3)).toEqual(['command = "docs-mcp"', 'args = ["--stdio", "-v"]']);
    expect(lines).toContain("[mcp_servers.docs.env]");
    expect(lines).toContain("LEVEL = 2");
    expect(lines).toContain("[tui]");
    expect(lines).toContain("notifications = true");
    // Every table header appears once.
    const headers = lines.filter((l) => l.startsWith("["));
    expect(new Set(headers).size).toBe(headers.length);
  });

  it("leaves the files alone without settings, and harnesses without a settings file untouched", () => {
    const files = claude.configFiles!(ctx());
    expect(withHarnessSettings(claude, files, undefined)).toBe(files);
    expect(withHarnessSettings(claude, files, {})).toBe(files);
  });
});

describe("a template's files", () => {
  it("land in HOME and in the workspace as the agent's (0600 files, 0700 directories)", () => {
    const workspace = runtime.workspaceOf(agentId);
    writeTemplateFiles(
      { home, workspace },
      [
        { path: "docs/NOTES.md", content: "# Notes", target: "workspace" },
        { path: ".config/tool/config.json", content: "{}", target: "home" },
      ],
      owner,
    );
    expect(fs.readFileSync(path.join(workspace, "docs", "NOTES.md"), "utf8")).toBe("# Notes");
    expect(modeOf(path.join(workspace, "docs", "NOTES.md"))).toMatchObject({
      uid: owner.uid,
      gid: owner.gid,
      mode: 0o600,
    });
    expect(modeOf(path.join(workspace, "docs"))).toMatchObject({ uid: owner.uid, mode: 0o700, dir: true });
    expect(fs.readFileSync(path.join(home, ".config", "tool", "config.json"), "utf8")).toBe("{}");
    expect(modeOf(path.join(home, ".config", "tool", "config.json"))).toMatchObject({ uid: owner.uid, mode: 0o600 });
    expect(fs.existsSync(path.join(home, "docs"))).toBe(false);
    expect(fs.existsSync(path.join(workspace, ".config"))).toBe(false);
  });

  it("are confined: paths out of their directory or into .git are refused before anything is written, and links are not followed", () => {
    const workspace = runtime.workspaceOf(agentId);
    for (const [bad, target] of [
      ["../escape", "workspace"],
      ["/etc/evil", "home"],
      ["a/../../escape", "home"],
      [".git/config", "workspace"],
      ["sub/.GIT/hooks/pre-commit", "workspace"],
    ] as const) {
      expect(() =>
        writeTemplateFiles(
          { home, workspace },
          [
            { path: "first-ok.txt", content: "x", target: "workspace" },
            { path: bad, content: "x", target },
          ],
          owner,
        ),
      ).toThrow(/refusing to write a template file outside/);
    }
    expect(fs.existsSync(path.join(workspace, "first-ok.txt"))).toBe(false);
    expect(fs.existsSync(path.join(runtime.agentDirOf(agentId), "escape"))).toBe(false);

    // A directory link planted in the workspace is replaced by a directory, its target untouched.
    const victimDir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-victim-ws-"));
    fs.symlinkSync(victimDir, path.join(workspace, "docs"));
    writeTemplateFiles({ home, workspace }, [{ path: "docs/NOTES.md", content: "n", target: "workspace" }], owner);
    expect(fs.readdirSync(victimDir)).toEqual([]);
    expect(modeOf(path.join(workspace, "docs"))).toMatchObject({ dir: true, uid: owner.uid });
    fs.rmSync(victimDir, { recursive: true, force: true });
  });
});
