import fs from "node:fs";
import path from "node:path";
import { StartupError } from "../runtime/startup-error";

/**
 * Creates the data directory if needed and proves it is writable with a probe file, before
 * anything else touches it. Mode 0711: others may traverse (the embedded Postgres runs as the
 * postgres user when the hub runs as root, local agents as users of their own reach their
 * directories below `broker/`) but not list; secrets inside are 0600, directories 0700.
 */
export function ensureDataDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
    if ((fs.statSync(dir).mode & 0o777) !== 0o711) fs.chmodSync(dir, 0o711);
    const probe = path.join(dir, `.write-probe-${process.pid}`);
    fs.writeFileSync(probe, "");
    fs.rmSync(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new StartupError(`SCION_DATA_DIR: ${dir} is not a writable directory (${code})`);
  }
}
