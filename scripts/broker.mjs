// `npm run broker`: the runtime broker (broker/main.ts, loaded through tsx) in this same process,
// so signals reach it directly; when npm started it, npm going away stops it too.
import { register } from "tsx/esm/api";
import { exitWithNpm } from "./exit-with-npm.mjs";

exitWithNpm();
register();
await import("../broker/main.ts");
