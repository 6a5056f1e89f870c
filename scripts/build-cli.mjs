// Bundles the `scion` command line (cli/scion.ts and what it imports) into one ES module with
// esbuild, so it starts in a fraction of the time TypeScript through tsx takes. bin/scion.mjs
// calls this when the bundle is missing or older than one of its inputs; the inputs are recorded
// next to the bundle. The hub's own code (server start/migrate) is not in it: those run as tsx
// child processes.
import fs from "node:fs";
import path from "node:path";
import { build } from "esbuild";

export async function buildCli(root, outfile) {
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  const tmp = `${outfile}.tmp-${process.pid}`;
  const result = await build({
    entryPoints: [path.join(root, "cli", "scion.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: true,
    outfile: tmp,
    metafile: true,
    logLevel: "silent",
    // ws's optional native helpers are not installed; it falls back to JavaScript without them.
    external: ["bufferutil", "utf-8-validate"],
    define: { __SCION_ROOT__: JSON.stringify(root) },
    // commander and ws are CommonJS: give the bundle a require() of its own.
    banner: {
      js: 'import { createRequire as __scionRequire } from "node:module"; const require = __scionRequire(import.meta.url);',
    },
  });
  const inputs = Object.keys(result.metafile.inputs)
    .map((p) => path.relative(root, path.resolve(process.cwd(), p)))
    .filter((p) => !p.startsWith(`node_modules${path.sep}`));
  inputs.push("package-lock.json", path.join("scripts", "build-cli.mjs"));
  fs.renameSync(tmp, outfile);
  fs.writeFileSync(`${outfile}.inputs.json`, JSON.stringify({ builtAt: fs.statSync(outfile).mtimeMs, inputs }));
}
