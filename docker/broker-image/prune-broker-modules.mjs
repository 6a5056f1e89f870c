// Keeps in a production node_modules only what the broker loads: the packages broker/, agent/ and
// the lib/ they import name (see `esbuild --metafile` of broker/main.ts), tsx to load them, and
// everything those depend on. The rest (Next.js, React, Prisma, the embedded Postgres) goes.
//   node prune-broker-modules.mjs <node_modules>
import fs from "node:fs";
import path from "node:path";

const ROOTS = ["dockerode", "esbuild", "node-pty", "pino", "pino-pretty", "ws", "zod", "tsx"];
const dir = path.resolve(process.argv[2] ?? "node_modules");
const keep = new Set();
const manifest = (name) => {
  const file = path.join(dir, name, "package.json");
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
};
const queue = [...ROOTS];
while (queue.length > 0) {
  const name = queue.pop();
  if (keep.has(name)) continue;
  const pkg = manifest(name);
  if (!pkg) continue; // an optional dependency for another platform
  keep.add(name);
  queue.push(...Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies }));
}
for (const root of ROOTS) if (!keep.has(root)) throw new Error(`${root} is missing from ${dir}`);
// Nested node_modules (other versions) belong to their package and stay with it.
let removed = 0;
for (const entry of fs.readdirSync(dir)) {
  if (entry === ".bin" || entry.startsWith(".")) continue;
  const names = entry.startsWith("@") ? fs.readdirSync(path.join(dir, entry)).map((n) => `${entry}/${n}`) : [entry];
  for (const name of names) {
    if (keep.has(name)) continue;
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    removed++;
  }
  if (entry.startsWith("@") && fs.readdirSync(path.join(dir, entry)).length === 0) fs.rmdirSync(path.join(dir, entry));
}
// Links in .bin to packages that went.
const bin = path.join(dir, ".bin");
if (fs.existsSync(bin))
  for (const link of fs.readdirSync(bin)) if (!fs.existsSync(path.join(bin, link))) fs.rmSync(path.join(bin, link));
process.stdout.write(`kept ${keep.size} packages, removed ${removed}\n`);
