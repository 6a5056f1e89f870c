// The registry this project is built against serves only the linux-x64 builds of packages with
// per-platform binaries (@next/swc-*, @tailwindcss/oxide-*, …), so `npm install` cannot record the
// other platforms in package-lock.json, and `npm ci` then refuses the lock ("Missing: … from lock
// file"). This drops optional-dependency edges that point at packages absent from the lock, which
// makes the lock self-consistent. Run it after changing dependencies: npm run lock:prune
import fs from "node:fs";

const file = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(fs.readFileSync(file, "utf8"));
const present = new Set(Object.keys(lock.packages).map((p) => p.replace(/^.*node_modules\//, "")));
let dropped = 0;
for (const entry of Object.values(lock.packages)) {
  if (!entry.optionalDependencies) continue;
  for (const name of Object.keys(entry.optionalDependencies)) {
    if (!present.has(name)) {
      delete entry.optionalDependencies[name];
      dropped++;
    }
  }
  if (Object.keys(entry.optionalDependencies).length === 0) delete entry.optionalDependencies;
}
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + "\n");
console.log(`package-lock.json: dropped ${dropped} optional dependencies the registry does not serve`);
