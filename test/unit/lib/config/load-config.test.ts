import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../../lib/config/load-config";

function dirWith(yaml?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-config-"));
  if (yaml !== undefined) fs.writeFileSync(path.join(dir, "scion.yaml"), yaml);
  return dir;
}

function messageOf(env: Record<string, string>, yaml?: string): string {
  try {
    loadConfig({ env, cwd: dirWith(yaml) });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected the configuration to be refused");
}

describe("loadConfig", () => {
  it("starts with zero set-up: dev mode on loopback, embedded database, local broker", () => {
    const cwd = dirWith();
    const config = loadConfig({ env: {}, cwd });
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 8080,
      authMode: "dev",
      localBroker: true,
      dataDirPath: path.join(cwd, ".scion"),
      internalUrl: "http://127.0.0.1:8080",
      database: { poolMax: 10, idleTimeoutMs: 10_000, maxLifetimeSeconds: 1800, connectTimeoutMs: 5000 },
    });
    expect(config.databaseUrl).toBeUndefined();
  });

  it("reads scion.yaml and lets the environment win", () => {
    const cwd = dirWith("port: 9000\nhost: 127.0.0.2\ndatabase:\n  poolMax: 4\nadminEmails: [Ada@Example.com]\n");
    const config = loadConfig({ env: { PORT: "9100", SCION_DB_IDLE_TIMEOUT_MS: "500" }, cwd });
    expect(config.port).toBe(9100);
    expect(config.host).toBe("127.0.0.2");
    expect(config.database).toMatchObject({ poolMax: 4, idleTimeoutMs: 500 });
    expect(config.adminEmails).toEqual(["ada@example.com"]);
  });

  it("turns the local broker off by default when a shared database is configured", () => {
    const config = loadConfig({ env: { DATABASE_URL: "postgresql://db.internal:5432/scion" }, cwd: dirWith() });
    expect(config.localBroker).toBe(false);
  });

  it("keeps complete OAuth clients and the public URL for callbacks", () => {
    const config = loadConfig({
      env: {
        SCION_AUTH_MODE: "oauth",
        SCION_OIDC_ISSUER: "https://id.example.com/",
        SCION_OIDC_CLIENT_ID: "hub",
        SCION_OIDC_CLIENT_SECRET: "s3cret",
        SCION_PUBLIC_URL: "https://hub.example.com/",
      },
      cwd: dirWith(),
    });
    expect(config.oauth).toEqual({
      oidc: { issuer: "https://id.example.com", clientId: "hub", clientSecret: "s3cret", name: "Single sign-on" },
    });
    expect(config.publicUrl).toBe("https://hub.example.com");
  });

  it("reads SCION_CONFIG from another path", () => {
    const file = path.join(dirWith(), "hub.yaml");
    fs.writeFileSync(file, "port: 7001\n");
    expect(loadConfig({ env: { SCION_CONFIG: file }, cwd: dirWith() }).port).toBe(7001);
  });

  it.each([
    ["a non-numeric port", { PORT: "abc" }, undefined, 'PORT: must be a whole number (got "abc")'],
    ["a port out of range", { PORT: "70000" }, undefined, 'PORT: must be at most 65535 (got "70000")'],
    ["a bad pool size", { SCION_DB_POOL_MAX: "0" }, undefined, 'SCION_DB_POOL_MAX: must be at least 1 (got "0")'],
    [
      "a bad boolean",
      { SCION_LOCAL_BROKER: "maybe" },
      undefined,
      'SCION_LOCAL_BROKER: must be "true" or "false" (got "maybe")',
    ],
    [
      "an unknown auth mode",
      { SCION_AUTH_MODE: "magic" },
      undefined,
      'SCION_AUTH_MODE: must be "dev", "oauth" or "proxy" (got "magic")',
    ],
    [
      "a non-Postgres database URL, without echoing it",
      { DATABASE_URL: "mysql://root:hunter2@db/x" },
      undefined,
      "DATABASE_URL: must be a postgres:// or postgresql:// URL",
    ],
    [
      "a short session secret, without echoing it",
      { SESSION_SECRET: "hunter2" },
      undefined,
      "SESSION_SECRET: must be at least 32 characters",
    ],
    [
      "an invalid admin email",
      { SCION_ADMIN_EMAILS: "a@b.co, nope" },
      undefined,
      "SCION_ADMIN_EMAILS: must be a list of email addresses",
    ],
    [
      "dev mode off loopback",
      { HOST: "0.0.0.0", SCION_AUTH_MODE: "dev" },
      undefined,
      "SCION_AUTH_MODE: dev mode is refused unless the hub listens on a loopback address (HOST=0.0.0.0)",
    ],
    [
      "no auth mode off loopback",
      { HOST: "0.0.0.0" },
      undefined,
      'SCION_AUTH_MODE: required when the hub listens on a non-loopback address (HOST=0.0.0.0); use "oauth" or "proxy"',
    ],
    [
      "proxy mode without an audience",
      { SCION_AUTH_MODE: "proxy" },
      undefined,
      "SCION_IAP_AUDIENCE: required in proxy mode (the expected IAP audience)",
    ],
    [
      "oauth mode without a provider",
      { SCION_AUTH_MODE: "oauth" },
      undefined,
      "SCION_AUTH_MODE: oauth mode needs at least one provider",
    ],
    [
      "an OAuth client without its secret",
      { SCION_AUTH_MODE: "oauth", SCION_GOOGLE_CLIENT_ID: "id" },
      undefined,
      "SCION_GOOGLE_CLIENT_SECRET: required when the google provider is configured",
    ],
    [
      "an OIDC client without an issuer",
      { SCION_OIDC_CLIENT_ID: "id", SCION_OIDC_CLIENT_SECRET: "hunter2" },
      undefined,
      "SCION_OIDC_ISSUER: required when the oidc provider is configured",
    ],
    ["a bad value in scion.yaml", {}, "port: eighty\n", 'scion.yaml: port: must be a whole number (got "eighty")'],
    ["a misspelt key in scion.yaml", {}, "prot: 80\n", 'scion.yaml: unknown setting "prot"'],
    [
      "a misspelt nested key in scion.yaml",
      {},
      "database:\n  poolSize: 3\n",
      'scion.yaml: unknown setting "database.poolSize"',
    ],
    ["YAML that does not parse", {}, "port: [1,\n", "scion.yaml: line 2 is not valid YAML"],
    ["a YAML list instead of a mapping", {}, "- 1\n", "scion.yaml: must be a mapping of settings (key: value)"],
    [
      "a missing SCION_CONFIG file",
      { SCION_CONFIG: "/nonexistent/hub.yaml" },
      undefined,
      "SCION_CONFIG: cannot read /nonexistent/hub.yaml (ENOENT)",
    ],
  ])("refuses %s with one line naming the key", (_case, env, yaml, expected) => {
    const message = messageOf(env as Record<string, string>, yaml);
    expect(message.startsWith(expected)).toBe(true);
    expect(message).not.toContain("\n");
    expect(message).not.toContain("hunter2");
  });
});
