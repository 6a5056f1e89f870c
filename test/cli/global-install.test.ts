import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * `npm install -g` of the package gives a `scion` on the PATH that works from anywhere: installed
 * from a checkout (npm links the directory; nothing is fetched) into a private prefix, then run
 * from another directory by a user whose config and cache live in a fresh home.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
let prefix: string;
let home: string;

beforeAll(() => {
  prefix = fs.mkdtempSync(path.join(os.tmpdir(), "scion-global-"));
  home = fs.mkdtempSync(path.join(os.tmpdir(), "scion-home-"));
  execFileSync("npm", ["install", "-g", "--prefix", prefix, ROOT, "--ignore-scripts", "--no-audit", "--no-fund"], {
    stdio: "pipe",
    env: { ...process.env, npm_config_loglevel: "error" },
  });
}, 120_000);

afterAll(() => {
  fs.rmSync(prefix, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

/** A loopback port nothing listens on (taken from the kernel, then let go). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function scion(args: string[]) {
  return spawnSync(path.join(prefix, "bin", "scion"), args, {
    cwd: os.tmpdir(),
    encoding: "utf8",
    env: {
      NODE_ENV: "production",
      PATH: `${path.join(prefix, "bin")}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: home,
    },
  });
}

describe("npm install -g", () => {
  it("puts scion on the PATH; it runs from any directory and answers --version and --help", () => {
    expect(fs.existsSync(path.join(prefix, "bin", "scion"))).toBe(true);
    const version = scion(["--version"]);
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);
    const help = scion(["--help"]);
    expect(help.status, help.stderr).toBe(0);
    for (const command of ["login", "list", "create", "attach", "message", "reset-auth", "doctor"])
      expect(help.stdout).toContain(command);
  });

  it("with no hub answering, the error names the hub it tried, in one line, exit 1", async () => {
    const hub = `http://127.0.0.1:${await closedPort()}`;
    const list = scion(["list", "--hub", hub]);
    expect(list.stdout).toBe("");
    expect(list.stderr).toBe(`scion: cannot reach the hub at ${hub} (ECONNREFUSED)\n`);
    expect(list.status).toBe(1);
  });
});
