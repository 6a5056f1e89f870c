// `npm start`: builds the dashboard when its sources changed (next build) and the server bundle
// when server.ts or lib/ changed (esbuild, scripts/build-server.mjs), then runs the bundle in this
// same process, so signals reach the hub directly; when npm started it, npm going away stops it too.
import { pathToFileURL } from "node:url";
import { buildIfStale } from "./build-if-stale.mjs";
import { buildServerIfStale } from "./build-server.mjs";

process.env.NODE_ENV = "production";
process.env.NEXT_TELEMETRY_DISABLED ??= "1";
exitWithNpm();
buildIfStale();
let bundle;
try {
  bundle = await buildServerIfStale();
} catch (err) {
  process.stderr.write(`scion-hub: bundling server.ts failed: ${err.message}\n`);
  process.exit(1);
}
await import(pathToFileURL(bundle).href);

/**
 * Under `npm start`, npm (and the shell it runs us in) is our parent, and npm does not pass a
 * SIGTERM on: it exits 143 and leaves us running, holding the port, parented to init. So when
 * npm started us and our parent goes away, we stop as if signalled ourselves (graceful, exit 0).
 * Run directly (systemd, a container's entrypoint, `scion server start`) this does nothing.
 */
function exitWithNpm() {
  if (!process.env.npm_lifecycle_event) return;
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, "SIGTERM");
  }, 250);
  watch.unref();
}
