// `npm start`: builds the dashboard when its sources changed, then runs server.ts in this same
// process (TypeScript through tsx), so signals reach the hub directly.
import { buildIfStale } from "./build-if-stale.mjs";

process.env.NODE_ENV = "production";
process.env.NEXT_TELEMETRY_DISABLED ??= "1";
buildIfStale();
const { register } = await import("tsx/esm/api");
register();
await import("../server.ts");
