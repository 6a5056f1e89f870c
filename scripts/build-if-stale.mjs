// Runs `next build` only when the inputs of the last build changed, so a warm `npm start` is
// quick and a cold one (fresh clone, after `npm ci`) still serves a current build.
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const INPUTS = [
  "app",
  "components",
  "lib",
  "public",
  "next.config.mjs",
  "postcss.config.mjs",
  "tsconfig.json",
  "package-lock.json",
  "prisma/schema.prisma",
];
const STAMP = path.join(".next", "scion-build-inputs");

function* walk(entry) {
  if (!fs.existsSync(entry)) return;
  const stat = fs.statSync(entry);
  if (stat.isFile()) {
    yield entry;
    return;
  }
  for (const name of fs.readdirSync(entry).sort()) {
    if (name === "node_modules" || name === "generated") continue;
    yield* walk(path.join(entry, name));
  }
}

export function inputsHash(root = process.cwd()) {
  const hash = crypto.createHash("sha256");
  for (const input of INPUTS) {
    for (const file of walk(path.join(root, input))) {
      hash.update(path.relative(root, file)).update("\0").update(fs.readFileSync(file)).update("\0");
    }
  }
  return hash.digest("hex");
}

/** Builds when needed; returns true when it built. Exits the process if the build fails. */
export function buildIfStale(root = process.cwd()) {
  const want = inputsHash(root);
  const stampFile = path.join(root, STAMP);
  const have =
    fs.existsSync(stampFile) && fs.existsSync(path.join(root, ".next", "BUILD_ID"))
      ? fs.readFileSync(stampFile, "utf8")
      : "";
  if (have === want) return false;
  process.stderr.write("Building the dashboard (next build); later starts reuse it until the sources change...\n");
  const res = spawnSync(process.execPath, [path.join(root, "node_modules", "next", "dist", "bin", "next"), "build"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (res.status !== 0) {
    process.stderr.write(`scion-hub: next build failed (exit ${res.status})\n`);
    process.exit(1);
  }
  fs.writeFileSync(stampFile, want);
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) buildIfStale();
