/**
 * `npm run bench [name…]`: runs every bench/*.bench.ts (or the named ones) in turn and writes
 * their figures to bench/results/<timestamp>.json. Each benchmark measures its subject and a
 * baseline in the same run, so the ratio means something on whatever machine runs it. A
 * benchmark any of whose requests failed has no figures: it is reported failed, with its failed
 * requests counted by kind, the others still run, and the command exits non-zero. At the end one
 * summary table (path, subject, baseline, ratio, target, pass) is printed and written to
 * test-results/bench.json, as `[{path, subject, baseline, ratio, target, pass}]`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BenchFailure } from "./lib/measure";
import type { BenchResult, BenchRow } from "./lib/summary";

const dir = import.meta.dirname;
const wanted = process.argv.slice(2);
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.ts$/, "")));
if (files.length === 0) {
  console.error(
    `no benchmark matches ${wanted.join(", ")}; available: ${fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".bench.ts"))
      .join(", ")}`,
  );
  process.exit(2);
}
const results: Record<string, unknown> = {};
const failed: string[] = [];
const rows: BenchRow[] = [];
for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, "");
  console.log(`\n== ${name}`);
  const mod = (await import(path.join(dir, file))) as { run: () => Promise<BenchResult> };
  try {
    const result = await mod.run();
    results[name] = result;
    rows.push(...result.rows);
  } catch (err) {
    failed.push(name);
    rows.push({
      path: name,
      subject: `failed: ${(err as Error).message}`,
      baseline: "—",
      ratio: null,
      target: "no failed request",
      pass: false,
    });
    results[name] = { failed: (err as Error).message, ...(err instanceof BenchFailure && { failures: err.failures }) };
    console.error(`== ${name} FAILED: ${(err as Error).message}`);
    if (err instanceof BenchFailure)
      console.table(Object.entries(err.failures).map(([kind, count]) => ({ target: err.label, failure: kind, count })));
  }
}
const out = path.join(dir, "results", `${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ node: process.version, cpus: os.cpus().length, results }, null, 2));
console.log(`\nresults written to ${path.relative(process.cwd(), out)}`);

console.log("\n== summary");
console.table(rows.map((r) => ({ ...r, ratio: r.ratio ?? "—", pass: r.pass ? "pass" : "FAIL" })));
const summary = path.resolve(dir, "..", "test-results", "bench.json");
fs.mkdirSync(path.dirname(summary), { recursive: true });
fs.writeFileSync(summary, JSON.stringify(rows, null, 2));
console.log(
  `summary written to ${path.relative(process.cwd(), summary)} (${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)})`,
);
if (failed.length) {
  console.error(`benchmarks failed: ${failed.join(", ")}`);
  process.exit(1);
}
