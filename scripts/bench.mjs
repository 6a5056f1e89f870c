// `npm run bench`: makes sure the production build is current, then runs bench/run.ts.
import { spawnSync } from "node:child_process";
import { buildIfStale } from "./build-if-stale.mjs";

process.env.NEXT_TELEMETRY_DISABLED = "1";
buildIfStale();
const res = spawnSync(process.execPath, ["--import", "tsx", "bench/run.ts", ...process.argv.slice(2)], {
  stdio: "inherit",
});
process.exit(res.status ?? 1);
