import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { StartupError } from "../lib/runtime/startup-error";

const FILE = "broker-credentials.json";
const credentialsSchema = z.object({ brokerId: z.uuid(), secret: z.string().min(32), joinedAt: z.string() });
export type BrokerCredentials = z.infer<typeof credentialsSchema>;

/** The broker's id and HMAC secret, kept 0600 in its data directory; undefined before it has joined. */
export function readCredentials(dataDir: string): BrokerCredentials | undefined {
  const file = path.join(dataDir, FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StartupError(`SCION_DATA_DIR: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
  }
  const parsed = credentialsSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new StartupError(`SCION_DATA_DIR: ${file} is damaged; delete it and join again with a new SCION_JOIN_TOKEN`);
  return parsed.data;
}

export function writeCredentials(dataDir: string, credentials: BrokerCredentials): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** Redeems a join token at the first hub that answers; the secret is returned only once. */
export async function joinHub(
  hubUrls: string[],
  joinToken: string,
  capabilities: { runtimes: string[]; harnesses: string[] } = { runtimes: ["local"], harnesses: ["shell", "generic"] },
): Promise<BrokerCredentials> {
  let lastError = "";
  for (const hubUrl of hubUrls) {
    try {
      const res = await fetch(new URL("/api/v1/runtime-brokers/join", hubUrl), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ joinToken, hostname: os.hostname(), capabilities }),
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await res.json().catch(() => ({}))) as {
        brokerId?: string;
        secret?: string;
        error?: { message?: string };
      };
      if (res.ok && body.brokerId && body.secret)
        return { brokerId: body.brokerId, secret: body.secret, joinedAt: new Date().toISOString() };
      if (res.status >= 400 && res.status < 500)
        throw new StartupError(`SCION_JOIN_TOKEN: the hub refused it: ${body.error?.message ?? `HTTP ${res.status}`}`);
      lastError = `${hubUrl}: HTTP ${res.status}`;
    } catch (err) {
      if (err instanceof StartupError) throw err;
      lastError = `${hubUrl}: ${(err as Error).message}`;
    }
  }
  throw new StartupError(`SCION_HUB_URLS: no hub could be reached to join (${lastError})`);
}
