import fs from "node:fs";
import path from "node:path";
import type { HubRuntime } from "../runtime/hub-runtime";
import { authenticateApiToken } from "../tokens/authenticate-api-token";
import { createApiToken } from "../tokens/create-api-token";
import { provisionUser } from "../users/provision-user";
import type { UserIdentity } from "./principal";
import { encodeSessionCookie, SESSION_COOKIE, SESSION_MAX_AGE_S } from "./session-cookie";

export const DEV_EMAIL = "dev@localhost";
export const DEV_TOKEN_FILE = "dev-token";

/**
 * Dev mode (loopback only, enforced by config): the local developer is dev@localhost, an admin.
 * Pages sign them in automatically; API calls still need the session cookie or a token, and
 * `<data dir>/dev-token` (0600) holds an admin API token for scripts and the CLI. The token is
 * reused across restarts while it still verifies.
 */
export async function prepareDevMode(runtime: HubRuntime): Promise<UserIdentity> {
  const user = await provisionUser(
    runtime.prisma,
    { adminEmails: [DEV_EMAIL], allowedDomains: [] },
    { email: DEV_EMAIL, name: "Local developer" },
  );
  const file = path.join(runtime.config.dataDirPath, DEV_TOKEN_FILE);
  const existing = readIfPresent(file);
  if (existing && (await authenticateApiToken(runtime.db.pool, runtime.sessionSecret, existing))?.user.id === user.id)
    return user;
  const { token } = await createApiToken(runtime.prisma, runtime.sessionSecret, user.id, {
    name: "dev-token",
    expiresInDays: 365,
  });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
  runtime.logger.info({ file }, "wrote the dev-mode admin API token");
  return user;
}

/** Set-Cookie value signing a browser in as the dev user. */
export async function devSessionSetCookie(
  runtime: HubRuntime,
  user: UserIdentity,
): Promise<{ value: string; header: string }> {
  const value = await encodeSessionCookie(runtime.sessionSecret, user);
  return { value, header: `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_MAX_AGE_S}` };
}

function readIfPresent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}
