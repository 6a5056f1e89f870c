// `npm test`: every check, in the order that fails fastest. Typecheck and lint, the dashboard
// build (reused when current), Vitest against one embedded Postgres, then the Playwright
// journeys in system Chromium. Ends with one summary line "Tests: N passed, N failed", where a
// journey that passed only on a retry counts as failed.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { buildIfStale } from "./build-if-stale.mjs";
import { summarize } from "./test-summary.mjs";

const root = path.resolve(import.meta.dirname, "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const results = path.join(root, "test-results");
fs.mkdirSync(results, { recursive: true });
process.env.NEXT_TELEMETRY_DISABLED = "1";

function run(label, cmd, args) {
  process.stdout.write(`\n== ${label}\n`);
  const started = Date.now();
  const res = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: process.env });
  process.stdout.write(
    `== ${label}: ${res.status === 0 ? "ok" : `failed (exit ${res.status})`} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return res.status === 0;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

const steps = {
  typecheck: run("typecheck", bin("tsc"), ["--noEmit"]),
  lint: run("lint (eslint, prettier)", "npm", ["run", "--silent", "lint"]),
};
process.stdout.write("\n== build\n");
buildIfStale(root);

const unitFile = path.join(results, "unit-results.json");
const e2eFile = path.join(results, "e2e-results.json");
fs.rmSync(unitFile, { force: true });
fs.rmSync(e2eFile, { force: true });
steps.unit = run("unit and integration tests (vitest)", bin("vitest"), [
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile=${unitFile}`,
]);
steps.e2e = run("end-to-end journeys (playwright, chromium)", bin("playwright"), ["test"]);

// Flaky Playwright tests (passed only on a retry) count as failed.
const summary = summarize({ unit: readJson(unitFile), e2e: readJson(e2eFile), steps });
process.stdout.write(`\n${summary.lines.join("\n")}\n`);
process.exit(summary.exitCode);
