#!/usr/bin/env node
// `scion` (npx scion, or npm install -g): runs the bundled command line, bundling it first when
// it is missing or one of its sources changed (a stat per source file: about a millisecond).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function cacheDir() {
  const local = path.join(root, "node_modules", ".cache", "scion-cli");
  try {
    fs.mkdirSync(local, { recursive: true });
    fs.accessSync(local, fs.constants.W_OK);
    return local;
  } catch {
    // A global install the user cannot write to: a cache in their own home (never a shared
    // temporary directory, where another user could plant a bundle for this one to run).
    const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
    return path.join(base, "scion-cli");
  }
}

function fresh(bundle) {
  try {
    const { builtAt, inputs } = JSON.parse(fs.readFileSync(`${bundle}.inputs.json`, "utf8"));
    if (fs.statSync(bundle).mtimeMs !== builtAt) return false;
    return inputs.every((file) => fs.statSync(path.join(root, file)).mtimeMs <= builtAt);
  } catch {
    return false;
  }
}

const bundle = path.join(cacheDir(), "scion.mjs");
if (!fresh(bundle)) {
  const { buildCli } = await import("../scripts/build-cli.mjs");
  await buildCli(root, bundle);
}
await import(pathToFileURL(bundle).href);
