import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "../log/create-logger";
import { StartupError } from "../runtime/startup-error";

const SECRET_FILE = "session-secret";

/**
 * The root secret for cookies and token keys. A configured SESSION_SECRET wins; otherwise one is
 * generated on first start and kept 0600 in the data directory, so a single node needs no
 * set-up and keeps its sessions across restarts. Replicas sharing a database must share a
 * configured secret instead, hence the warning.
 */
export function resolveSessionSecret({
  configured,
  dataDir,
  shared,
  logger,
}: {
  configured?: string;
  dataDir: string;
  shared: boolean;
  logger: Logger;
}): string {
  if (configured) return configured;
  const file = path.join(dataDir, SECRET_FILE);
  try {
    const existing = fs.readFileSync(file, "utf8").trim();
    if (existing.length >= 32) return existing;
    throw new StartupError(`SESSION_SECRET: ${file} holds fewer than 32 characters; delete it to generate a new one`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      if (err instanceof StartupError) throw err;
      throw new StartupError(
        `SESSION_SECRET: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
  }
  const secret = crypto.randomBytes(48).toString("base64url");
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${secret}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
  logger.info({ file }, "generated a session secret for this node");
  if (shared)
    logger.warn(
      "SESSION_SECRET is not set while using a shared DATABASE_URL: every replica needs the same secret, set it explicitly",
    );
  return secret;
}
