import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";

// The journeys run against a hub the suite starts itself, on its own embedded database in a
// scratch data directory; a configured DATABASE_URL must be local so tests never touch a real one.
const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl && !/@(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(databaseUrl)) {
  throw new Error("playwright: refusing to run against a non-local DATABASE_URL");
}
// Below the kernel's ephemeral range (32768+), so no outgoing connection can be holding them.
const port = Number(process.env.E2E_PORT ?? 29181);
const oauthPort = port + 1;
const oidcPort = port + 2;
const iapHubPort = port + 3;
const iapProxyPort = port + 4;
const iapKeysPort = port + 5;
// Workers re-evaluate this file; keep one set of directories for the whole run.
const dataDir = (process.env.E2E_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), "scion-e2e-")));
const oauthDataDir = (process.env.E2E_OAUTH_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), "scion-e2e-oauth-")));
const iapDataDir = (process.env.E2E_IAP_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), "scion-e2e-iap-")));
for (const dir of [dataDir, oauthDataDir, iapDataDir]) fs.chmodSync(dir, 0o755);
// Where the dev hub's local broker installs the coding-assistant CLIs on first use (the Claude Code
// journey): the directory the Vitest harness tests use (test/support/harness-sandbox.ts
// testHarnessDir), so a CLI is installed once per machine; from npm's cache, never the internet.
const harnessDir = path.join(os.tmpdir(), "scion-harnesses");
fs.mkdirSync(harnessDir, { recursive: true, mode: 0o755 });
export const OAUTH_HUB_URL = `http://127.0.0.1:${oauthPort}`;
/** The proxy-mode hub, reached only through the IAP stand-in in front of it (and directly, to see it refuse). */
export const IAP_HUB_URL = `http://127.0.0.1:${iapHubPort}`;
export const IAP_PROXY_URL = `http://127.0.0.1:${iapProxyPort}`;
export const IAP_KEYS_URL = `http://127.0.0.1:${iapKeysPort}/jwk`;
/** The audience the stand-in signs for and the hub expects: the form of a real IAP backend service's. */
export const IAP_AUDIENCE = "/projects/123456789012/global/backendServices/4567890123456789012";
const hubEnv = { NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", HOST: "127.0.0.1", SCION_LOG_LEVEL: "warn" };

export default defineConfig({
  testDir: "e2e",
  globalTeardown: ["./e2e/support/global-teardown.ts", "./e2e/support/iap-teardown.ts"],
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  // A retry on CI collects a second trace; a test that passes only on it ("flaky") still fails
  // the run (and counts as failed in npm test's summary), so retries never hide a failure.
  retries: process.env.CI ? 1 : 0,
  failOnFlakyTests: true,
  reporter: [["list"], ["json", { outputFile: "test-results/e2e-results.json" }]],
  outputDir: "test-results/e2e",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    screenshot: "on",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], channel: undefined } }],
  webServer: [
    {
      // A dev-mode hub: what `npm start` gives a newcomer.
      command: "node --import tsx server.ts",
      url: `http://127.0.0.1:${port}/readyz`,
      reuseExistingServer: false,
      timeout: 120_000,
      gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
      // The list journey creates 56 agents in a few seconds as the dev user: above the default
      // per-minute creation limit (rate limits have their own test).
      env: {
        ...hubEnv,
        PORT: String(port),
        SCION_DATA_DIR: dataDir,
        SCION_RATE_LIMIT_AGENT_CREATIONS_PER_MINUTE: "600",
        SCION_HARNESS_DIR: harnessDir,
        // The workspace journey's git server listens on loopback.
        SCION_ALLOW_PRIVATE_GIT_REMOTES: "true",
        // The notification journey's webhook receiver listens on loopback too.
        SCION_ALLOW_PRIVATE_WEBHOOKS: "true",
        npm_config_prefer_offline: "true",
      },
    },
    {
      // A real OpenID Connect provider for the oauth-mode journey.
      command: "node e2e/support/oidc-provider.mjs",
      url: `http://127.0.0.1:${oidcPort}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 30_000,
      env: { OIDC_PORT: String(oidcPort), HUB_URL: OAUTH_HUB_URL },
    },
    {
      // An oauth-mode hub signing in through that provider.
      command: "node --import tsx server.ts",
      url: `${OAUTH_HUB_URL}/readyz`,
      reuseExistingServer: false,
      timeout: 120_000,
      gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
      env: {
        ...hubEnv,
        PORT: String(oauthPort),
        SCION_DATA_DIR: oauthDataDir,
        SCION_AUTH_MODE: "oauth",
        SCION_PUBLIC_URL: OAUTH_HUB_URL,
        SCION_OIDC_ISSUER: `http://127.0.0.1:${oidcPort}`,
        SCION_OIDC_CLIENT_ID: "scion-e2e",
        SCION_OIDC_CLIENT_SECRET: "scion-e2e-secret-0123456789abcdef",
        SCION_OIDC_NAME: "Test SSO",
        SCION_ALLOWED_DOMAINS: "example.com",
        SCION_ADMIN_EMAILS: "ada@example.com",
      },
    },
    {
      // The IAP stand-in: signs people in, asserts them to the proxy-mode hub, serves its keys.
      command: "node e2e/support/iap-proxy.mjs",
      url: IAP_KEYS_URL,
      reuseExistingServer: false,
      timeout: 30_000,
      env: {
        IAP_PROXY_PORT: String(iapProxyPort),
        IAP_JWKS_PORT: String(iapKeysPort),
        IAP_UPSTREAM: IAP_HUB_URL,
        IAP_AUDIENCE,
      },
    },
    {
      // A proxy-mode hub behind that stand-in, with its local broker.
      command: "node --import tsx server.ts",
      url: `${IAP_HUB_URL}/readyz`,
      reuseExistingServer: false,
      timeout: 120_000,
      gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
      env: {
        ...hubEnv,
        PORT: String(iapHubPort),
        SCION_DATA_DIR: iapDataDir,
        SCION_AUTH_MODE: "proxy",
        SCION_PUBLIC_URL: IAP_PROXY_URL,
        SCION_IAP_AUDIENCE: IAP_AUDIENCE,
        SCION_IAP_JWKS_URL: IAP_KEYS_URL,
        SCION_ALLOWED_DOMAINS: "example.com",
        SCION_ADMIN_EMAILS: "ada@example.com",
      },
    },
  ],
});
