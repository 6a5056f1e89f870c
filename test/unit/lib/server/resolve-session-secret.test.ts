import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { captureLogger } from "../../../silent-logger";
import { StartupError } from "../../../../lib/runtime/startup-error";
import { resolveSessionSecret } from "../../../../lib/server/resolve-session-secret";

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "scion-secret-"));

describe("resolveSessionSecret", () => {
  it("generates a secret once, keeps it 0600 and returns the same one on the next start", () => {
    const dataDir = tempDir();
    const { logger } = captureLogger();
    const first = resolveSessionSecret({ dataDir, shared: false, logger });
    const second = resolveSessionSecret({ dataDir, shared: false, logger });
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(second).toBe(first);
    expect(fs.statSync(path.join(dataDir, "session-secret")).mode & 0o777).toBe(0o600);
  });

  it("uses a configured SESSION_SECRET and writes nothing", () => {
    const dataDir = tempDir();
    const configured = "x".repeat(40);
    expect(resolveSessionSecret({ configured, dataDir, shared: true, logger: captureLogger().logger })).toBe(
      configured,
    );
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it("warns that replicas on a shared database need one configured secret", () => {
    const { logger, lines } = captureLogger();
    resolveSessionSecret({ dataDir: tempDir(), shared: true, logger });
    expect(lines().some((l) => l.level === 40 && String(l.msg).includes("every replica needs the same secret"))).toBe(
      true,
    );
  });

  it("refuses a truncated secret file instead of silently replacing it", () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, "session-secret"), "short\n");
    expect(() => resolveSessionSecret({ dataDir, shared: false, logger: captureLogger().logger })).toThrow(
      StartupError,
    );
    expect(fs.readFileSync(path.join(dataDir, "session-secret"), "utf8")).toBe("short\n");
  });
});
