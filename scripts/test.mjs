// `npm test`: every check, in the order that fails fastest. Typecheck and lint, the dashboard
// build (reused when current), Vitest against one embedded Postgres, then the Playwright
// journeys in system Chromium. Ends with one summary line "Tests: N passed, N failed".
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { buildIfStale } from "./build-if-stale.mjs";

const root = path.resolve(import.meta.dirname, "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const results = path.join(root, "test-results");
fs.mkdirSync(results, { recursive: true });
process.env.NEXT_TELEMETRY_DISABLED = "1";

function run(label, cmd, args) {
  process.stdout.write(`\n== ${label}\n`);
  const started = Date.now();
  const res = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: process.env });
  process.stdout.write(`== ${label}: ${res.status === 0 ? "ok" : `failed (exit ${res.status})`} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return res.status === 0;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

const steps = { typecheck: run("typecheck", bin("tsc"), ["--noEmit"]), lint: run("lint", bin("eslint"), ["."]) };
process.stdout.write("\n== build\n");
buildIfStale(root);

const unitFile = path.join(results, "unit-results.json");
const e2eFile = path.join(results, "e2e-results.json");
fs.rmSync(unitFile, { force: true });
fs.rmSync(e2eFile, { force: true });
steps.unit = run("unit and integration tests (vitest)", bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile=${unitFile}`]);
steps.e2e = run("end-to-end journeys (playwright, chromium)", bin("playwright"), ["test"]);

const unit = readJson(unitFile);
const e2e = readJson(e2eFile);
let passed = 0;
let failed = 0;
let skipped = 0;
if (unit) {
  passed += unit.numPassedTests;
  failed += unit.numFailedTests;
  skipped += unit.numPendingTests + unit.numTodoTests;
}
if (e2e) {
  passed += e2e.stats.expected + e2e.stats.flaky;
  failed += e2e.stats.unexpected;
  skipped += e2e.stats.skipped;
}
const broken = Object.entries(steps).filter(([, ok]) => !ok).map(([name]) => name);
if (!unit || !e2e) broken.push(!unit ? "vitest wrote no results" : "playwright wrote no results");
process.stdout.write(`\nunit: ${unit ? `${unit.numPassedTests} passed, ${unit.numFailedTests} failed` : "no results"}; e2e: ${e2e ? `${e2e.stats.expected + e2e.stats.flaky} passed, ${e2e.stats.unexpected} failed` : "no results"}${broken.length ? `; failed steps: ${[...new Set(broken)].join(", ")}` : ""}\n`);
process.stdout.write(`Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
process.exit(broken.length || failed ? 1 : 0);
