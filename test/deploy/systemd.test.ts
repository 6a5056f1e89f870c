/**
 * deploy/systemd: the units pass `systemd-analyze verify` (which needs no running systemd) with
 * nothing to say, and keep the settings their comments promise; install.sh is valid bash and its
 * --dry-run names every step without doing any. systemd-analyze comes with Debian's package
 * systemd: a machine without it fails this test (CI installs it), it is never skipped.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const DIR = path.join(ROOT, "deploy", "systemd");
const UNITS = ["scion-hub.service", "scion-broker.service"];

/** `Key=value` lines of a unit's [Service] section (repeated keys in order). */
function serviceSettings(unit: string): Array<[string, string]> {
  const text = fs.readFileSync(path.join(DIR, unit), "utf8");
  const section = text.split(/^\[Service\]$/m)[1]!.split(/^\[/m)[0]!;
  return section
    .split("\n")
    .filter((l) => /^\w+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]);
}

const setting = (unit: string, key: string) =>
  serviceSettings(unit)
    .filter(([k]) => k === key)
    .map(([, v]) => v);

describe("deploy/systemd units", () => {
  it("pass systemd-analyze verify without a warning", () => {
    const which = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
    expect(which.error, "systemd-analyze is missing: apt-get install systemd").toBeUndefined();
    // ExecStart must name an executable that exists; /usr/bin/node is where Debian's nodejs and
    // NodeSource put it (install.sh adds a drop-in when node lives elsewhere).
    const units = UNITS.map((u) => path.join(DIR, u));
    if (!fs.existsSync("/usr/bin/node")) {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "scion-units-"));
      units.splice(0, units.length, ...UNITS.map((u) => path.join(tmp, u)));
      for (const u of UNITS)
        fs.writeFileSync(
          path.join(tmp, u),
          fs.readFileSync(path.join(DIR, u), "utf8").replaceAll("/usr/bin/node ", `${process.execPath} `),
        );
    }
    const res = spawnSync("systemd-analyze", ["verify", ...units], { encoding: "utf8" });
    // verify exits 0 on unknown keys and bad values too (it ignores them): any output fails.
    expect(`${res.stdout}${res.stderr}`.trim()).toBe("");
    expect(res.status).toBe(0);
  });

  it("sandbox the services and stop them the way the processes stop", () => {
    for (const unit of UNITS) {
      const sandbox: Array<[string, string]> = [
        ["NoNewPrivileges", "yes"],
        ["ProtectSystem", "strict"],
        ["ProtectHome", "yes"],
        ["PrivateTmp", "yes"],
        ["Restart", "on-failure"],
      ];
      for (const [key, value] of sandbox) expect(setting(unit, key), `${unit}: ${key}`).toEqual([value]);
      expect(setting(unit, "EnvironmentFile"), unit).toEqual([
        `/etc/scion/${unit === "scion-hub.service" ? "hub" : "broker"}.env`,
      ]);
    }
    // The hub: its own user; SIGTERM to the hub alone (it stops its Postgres), 14 s to exit.
    expect(setting("scion-hub.service", "User")).toEqual(["scion"]);
    expect(setting("scion-hub.service", "ReadWritePaths")).toContain("/var/lib/scion");
    expect(setting("scion-hub.service", "KillMode")).toEqual(["mixed"]);
    expect(Number(setting("scion-hub.service", "TimeoutStopSec")[0])).toBeGreaterThan(14);
    const server = fs.readFileSync(path.join(ROOT, "server.ts"), "utf8");
    expect(server).toMatch(/const SHUTDOWN_LIMIT_MS = 14_000;/);
    // The broker: root (agent users), agents outlive its restarts, 10 s to exit.
    expect(setting("scion-broker.service", "User")).toEqual(["root"]);
    expect(setting("scion-broker.service", "ReadWritePaths")).toContain("/var/lib/scion-broker");
    expect(setting("scion-broker.service", "KillMode")).toEqual(["process"]);
    expect(Number(setting("scion-broker.service", "TimeoutStopSec")[0])).toBeGreaterThan(10);
  });

  it("read settings the example env files give, and those name only variables the programs read", async () => {
    const { ENV_KEYS } = await import("../../lib/config/sources");
    const hubKeys = new Set(ENV_KEYS.map((k) => k.env));
    const brokerSource = fs.readFileSync(path.join(ROOT, "broker", "config.ts"), "utf8");
    const brokerKeys = new Set([...brokerSource.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)].map((m) => m[1]!));
    const names = (file: string) =>
      fs
        .readFileSync(path.join(DIR, file), "utf8")
        .split("\n")
        .map((l) => /^#?([A-Z][A-Z0-9_]*)=/.exec(l)?.[1])
        .filter((n): n is string => n !== undefined);
    expect(names("hub.env.example").filter((n) => !hubKeys.has(n))).toEqual([]);
    expect(names("broker.env.example").filter((n) => !brokerKeys.has(n))).toEqual([]);
  });
});

describe("deploy/systemd/install.sh", () => {
  it("is valid bash", () => {
    execFileSync("bash", ["-n", path.join(DIR, "install.sh")]);
  });

  it("--dry-run prints every step and changes nothing", () => {
    const res = spawnSync("bash", [path.join(DIR, "install.sh"), "--dry-run", "--source", ROOT], {
      encoding: "utf8",
    });
    expect(res.status, res.stderr).toBe(0);
    const out = res.stdout;
    for (const step of [
      /^\+ (useradd --system .* scion|== user scion exists)/m,
      /^\+ tar -C .* \| tar -C '\/opt\/scion-hub\.new'/m,
      /scripts\/build-if-stale\.mjs/,
      /buildServerIfStale/,
      /^\+ mv \/opt\/scion-hub\.new \/opt\/scion-hub$/m,
      /\/etc\/scion\/hub\.env/,
      /^\+ install -o root -g root -m 0644 \S+\/scion-hub\.service \/etc\/systemd\/system\/scion-hub\.service$/m,
      /^\+ install -o root -g root -m 0644 \S+\/scion-broker\.service \/etc\/systemd\/system\/scion-broker\.service$/m,
      /daemon-reload/,
    ])
      expect(out).toMatch(step);
    expect(fs.existsSync("/opt/scion-hub.new")).toBe(false);
  });

  it("refuses an unknown option and a directory that is not a checkout", () => {
    const unknown = spawnSync("bash", [path.join(DIR, "install.sh"), "--bogus"], { encoding: "utf8" });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown option --bogus");
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "scion-not-a-checkout-"));
    const wrong = spawnSync("bash", [path.join(DIR, "install.sh"), "--dry-run", "--source", empty], {
      encoding: "utf8",
    });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain("is not a Scion Hub checkout");
  });
});
