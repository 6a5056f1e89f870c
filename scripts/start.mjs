// `npm start`: builds the dashboard when its sources changed (next build) and the server bundle
// when server.ts or lib/ changed (esbuild, scripts/build-server.mjs), then runs the bundle in this
// same process, so signals reach the hub directly; when npm started it, npm going away stops it too.
// `node scripts/start.mjs migrate` only applies pending migrations to DATABASE_URL (no dashboard build).
import { pathToFileURL } from "node:url";
import { buildIfStale } from "./build-if-stale.mjs";
import { buildServerIfStale } from "./build-server.mjs";
import { exitWithNpm } from "./exit-with-npm.mjs";

process.env.NODE_ENV = "production";
process.env.NEXT_TELEMETRY_DISABLED ??= "1";
exitWithNpm();
if (process.argv[2] !== "migrate") buildIfStale();
let bundle;
try {
  bundle = await buildServerIfStale();
} catch (err) {
  process.stderr.write(`scion-hub: bundling server.ts failed: ${err.message}\n`);
  process.exit(1);
}
await import(pathToFileURL(bundle).href);
