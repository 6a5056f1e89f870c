/**
 * `npm run bench [name…]`: runs every bench/*.bench.ts (or the named ones) in turn and writes
 * their figures to bench/results/<timestamp>.json. Each benchmark measures its subject and a
 * baseline in the same run, so the ratio means something on whatever machine runs it.
 */
import fs from "node:fs";
import path from "node:path";

const dir = import.meta.dirname;
const wanted = process.argv.slice(2);
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.ts$/, "")));
if (files.length === 0) {
  console.error(`no benchmark matches ${wanted.join(", ")}; available: ${fs.readdirSync(dir).filter((f) => f.endsWith(".bench.ts")).join(", ")}`);
  process.exit(2);
}
const results: Record<string, unknown> = {};
for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, "");
  console.log(`\n== ${name}`);
  const mod = (await import(path.join(dir, file))) as { run: () => Promise<unknown> };
  results[name] = await mod.run();
}
const out = path.join(dir, "results", `${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ node: process.version, cpus: (await import("node:os")).cpus().length, results }, null, 2));
console.log(`\nresults written to ${path.relative(process.cwd(), out)}`);
