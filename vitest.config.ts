import path from "node:path";
import { defineConfig } from "vitest/config";

// Two projects, chosen by where a test file lives (README, "Tests"):
// - unit: test/unit/**, a module and Node only: no global setup, no Postgres, no build.
// - integration: every other test/**: one embedded Postgres and a current build (test/global-setup.ts).
export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    exclude: ["node_modules/**", ".next/**", "e2e/**", ".scion/**"],
    pool: "forks",
    // Two cores: two test files at a time, each on its own database of one shared Postgres.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: ["test/unit/**", "node_modules/**", ".next/**", "e2e/**", ".scion/**"],
          globalSetup: ["test/global-setup.ts"],
        },
      },
    ],
  },
});
