import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HarnessInstaller } from "../../broker/harness-install";
import { claude } from "../../lib/harnesses/claude";
import { gemini } from "../../lib/harnesses/gemini";
import type { HarnessDescriptor } from "../../lib/harnesses/types";

// Real npm installs of a real CLI, from npm's local cache only (npm_config_offline): no test
// reaches the internet. Gemini CLI is the smallest of the three.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "scion-harness-install-"));
fs.chmodSync(scratch, 0o755);
const offlineNpm = { ...process.env, npm_config_offline: "true" };
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** An npm that counts its runs in `<file>`, then is the real npm. */
function countingNpm(name: string): { npm: string; runs: () => number } {
  const count = path.join(scratch, `${name}.runs`);
  const npm = path.join(scratch, `${name}-npm`);
  fs.writeFileSync(npm, `#!/bin/sh\necho run >> "${count}"\nexec npm "$@"\n`, { mode: 0o755 });
  return { npm, runs: () => (fs.existsSync(count) ? fs.readFileSync(count, "utf8").trim().split("\n").length : 0) };
}

describe("installing harness CLIs on first use", () => {
  it("installs once for concurrent first uses (in this broker and another sharing the directory), runnable by agents", async () => {
    const dir = path.join(scratch, "shared");
    const { npm, runs } = countingNpm("shared");
    const installed: string[] = [];
    const details: string[] = [];
    const one = new HarnessInstaller({ dir, npm, npmEnv: offlineNpm, onInstalled: (h) => installed.push(h.id) });
    const other = new HarnessInstaller({ dir, npm, npmEnv: offlineNpm, onInstalled: (h) => installed.push(h.id) });
    expect(one.status(gemini)).toEqual({ id: "gemini", available: true, version: "0.61.0", installed: false });

    const results = await Promise.all([
      one.resolve(gemini, (d) => details.push(d)),
      one.resolve(gemini, (d) => details.push(d)),
      other.resolve(gemini, (d) => details.push(d)),
    ]);
    expect(runs()).toBe(1);
    expect(installed).toEqual(["gemini"]);
    expect(details).toEqual([
      "installing Gemini CLI 0.61.0",
      "installing Gemini CLI 0.61.0",
      "installing Gemini CLI 0.61.0",
    ]);
    const prefix = one.prefixOf(gemini);
    for (const r of results)
      expect(r).toEqual({
        bin: path.join(prefix, "node_modules", ".bin", "gemini"),
        binDir: path.join(prefix, "node_modules", ".bin"),
        version: "0.61.0",
      });
    // Nothing but the installed prefix is left: no scratch prefix, no lock.
    expect(fs.readdirSync(dir)).toEqual([path.basename(prefix)]);
    expect(fs.statSync(prefix).mode & 0o777).toBe(0o755);
    expect(one.status(gemini)).toEqual({ id: "gemini", available: true, version: "0.61.0", installed: true });

    // An agent is another user: it runs what root installed.
    const version = execFileSync(
      "setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", "--", results[0]!.bin, "--version"],
      { env: { ...process.env, HOME: "/tmp" }, encoding: "utf8" },
    );
    expect(version.trim()).toBe("0.61.0");

    // Later uses (a new broker process) find it installed: no npm at all.
    const again = await new HarnessInstaller({ dir, npm, npmEnv: offlineNpm }).resolve(gemini, (d) => details.push(d));
    expect(again.bin).toBe(results[0]!.bin);
    expect(runs()).toBe(1);
    expect(details).toHaveLength(3);
  }, 240_000);

  it("installs Claude Code with its own install script (its native binary), and only that package's", async () => {
    const dir = path.join(scratch, "claude");
    const installer = new HarnessInstaller({ dir, npmEnv: offlineNpm });
    const resolved = await installer.resolve(claude);
    expect(resolved.version).toBe("2.1.332");
    const version = execFileSync(
      "setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", "--", resolved.bin, "--version"],
      { env: { ...process.env, HOME: "/tmp" }, encoding: "utf8" },
    );
    expect(version).toContain("2.1.332 (Claude Code)");
    fs.rmSync(dir, { recursive: true, force: true });
  }, 240_000);

  it("a failed install leaves nothing behind and says what failed", async () => {
    const dir = path.join(scratch, "failing");
    const missing: HarnessDescriptor = { ...gemini, install: { ...gemini.install!, version: "0.0.0-missing" } };
    const installer = new HarnessInstaller({ dir, npmEnv: offlineNpm });
    await expect(installer.resolve(missing)).rejects.toThrow(
      /^could not install Gemini CLI 0\.0\.0-missing: .*(ENOTCACHED|No matching version|notarget|cache)/i,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(installer.status(missing).installed).toBe(false);

    // npm that runs out of time is killed, with the same promise of a clean directory.
    const slow = new HarnessInstaller({ dir, npmEnv: offlineNpm, installTimeoutMs: 300 });
    await expect(slow.resolve(gemini)).rejects.toThrow(
      "could not install Gemini CLI 0.61.0: npm did not finish within 0.3 s",
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  }, 120_000);

  it("SCION_HARNESS_GEMINI_BIN names an existing binary instead: no install; a path that is not one is refused", async () => {
    const dir = path.join(scratch, "override");
    const { npm, runs } = countingNpm("override");
    const bin = path.join(scratch, "my-gemini");
    fs.writeFileSync(bin, "#!/bin/sh\necho 'gemini 9.9.9-local'\n", { mode: 0o755 });
    const installer = new HarnessInstaller({ dir, npm, binOverrides: { SCION_HARNESS_GEMINI_BIN: bin } });
    await installer.probeOverrides([gemini]);
    expect(await installer.resolve(gemini)).toEqual({ bin, binDir: scratch, version: "9.9.9-local" });
    expect(installer.status(gemini)).toEqual({
      id: "gemini",
      available: true,
      version: "9.9.9-local",
      installed: true,
    });

    const notExecutable = path.join(scratch, "plain-file");
    fs.writeFileSync(notExecutable, "not a program", { mode: 0o644 });
    const broken = new HarnessInstaller({ dir, npm, binOverrides: { SCION_HARNESS_GEMINI_BIN: notExecutable } });
    await expect(broken.resolve(gemini)).rejects.toThrow(
      `SCION_HARNESS_GEMINI_BIN=${notExecutable} is not an executable file`,
    );
    expect(broken.status(gemini)).toMatchObject({ available: false, installed: false });
    expect(runs()).toBe(0);
    expect(fs.existsSync(dir)).toBe(false);
  });
});
