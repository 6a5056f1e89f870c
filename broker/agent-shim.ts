import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const SOURCE = fileURLToPath(new URL("../agent/main.ts", import.meta.url));
const HOOK_SOURCE = fileURLToPath(new URL("../agent/hook-main.ts", import.meta.url));

export interface ShimInstall {
  /** The bundled shim, one file that any Node ≥ 20 runs with no node_modules. */
  bundle: string;
  /** A directory holding a `scion-agent` command, put first on the agent's PATH. */
  binDir: string;
  /** The hook alone (`scion-agent-hook.mjs`), what harness hooks run: small, so it starts fast. */
  hookBundle: string;
}

/**
 * Bundles the agent shim (agent/main.ts and what it imports) into `<data dir>/bin/scion-agent.mjs`
 * once per broker start, next to a `scion-agent` wrapper. Agents start in milliseconds instead
 * of compiling TypeScript, and a container only needs this one file mounted to run it.
 */
export async function installAgentShim(dataDir: string): Promise<ShimInstall> {
  const binDir = path.join(dataDir, "bin");
  fs.mkdirSync(binDir, { recursive: true, mode: 0o755 });
  const bundle = path.join(binDir, "scion-agent.mjs");
  const hookBundle = path.join(binDir, "scion-agent-hook.mjs");
  for (const [entry, out] of [
    [SOURCE, bundle],
    [HOOK_SOURCE, hookBundle],
  ] as const) {
    const tmp = `${out}.tmp-${process.pid}`;
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outfile: tmp,
      logLevel: "silent",
      banner: { js: "#!/usr/bin/env node" },
    });
    fs.chmodSync(tmp, 0o755);
    fs.renameSync(tmp, out);
  }
  const wrapper = path.join(binDir, "scion-agent");
  fs.writeFileSync(`${wrapper}.tmp`, `#!/bin/sh\nexec node "$(dirname "$0")/scion-agent.mjs" "$@"\n`, { mode: 0o755 });
  fs.renameSync(`${wrapper}.tmp`, wrapper);
  return { bundle, binDir, hookBundle };
}
