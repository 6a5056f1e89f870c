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
const port = Number(process.env.E2E_PORT ?? 39181);
const dataDir = process.env.E2E_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), "scion-e2e-"));
fs.chmodSync(dataDir, 0o755);
process.env.E2E_DATA_DIR = dataDir; // workers re-evaluate this file; keep one directory

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: process.env.CI ? 1 : 0,
  reporter: [["list"], ["json", { outputFile: "test-results/e2e-results.json" }]],
  outputDir: "test-results/e2e",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    screenshot: "on",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], channel: undefined } }],
  webServer: {
    command: "node --import tsx server.ts",
    url: `http://127.0.0.1:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 120_000,
    gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
    env: {
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(port),
      HOST: "127.0.0.1",
      SCION_DATA_DIR: dataDir,
      SCION_LOG_LEVEL: "warn",
    },
  },
});
