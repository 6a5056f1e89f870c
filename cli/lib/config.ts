/**
 * The command line's own settings, per person: `$XDG_CONFIG_HOME/scion/` (or `~/.config/scion/`)
 * holds `config.json` (the hubs signed in to and the current one) and one token file per hub,
 * mode 0600 in a 0700 directory. The hub a command talks to: `--hub`, else `SCION_HUB`, else the
 * current hub, else the only one, else http://127.0.0.1:8080. `SCION_TOKEN` overrides the stored
 * token (CI).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as z from "zod/mini";
import { hubUrlSchema } from "./args";
import { CliError, usageError } from "./errors";

export const DEFAULT_HUB = "http://127.0.0.1:8080";

const configSchema = z.object({
  currentHub: z.optional(z.string()),
  hubs: z._default(
    z.record(
      z.string(),
      z.object({ user: z.optional(z.nullable(z.string())), tokenFile: z.string(), savedAt: z.string() }),
    ),
    {},
  ),
});
export type CliConfig = z.output<typeof configSchema>;

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME?.trim() || path.join(os.homedir(), ".config");
  return path.join(base, "scion");
}

const configFile = () => path.join(configDir(), "config.json");

export function readConfig(): CliConfig {
  let raw: string;
  try {
    raw = fs.readFileSync(configFile(), "utf8");
  } catch {
    return { hubs: {} };
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new CliError(`${configFile()} is not valid JSON; fix or remove it`);
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) throw new CliError(`${configFile()} is not a scion config: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

function writePrivate(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

export function writeConfig(config: CliConfig): void {
  fs.mkdirSync(configDir(), { recursive: true, mode: 0o700 });
  writePrivate(configFile(), `${JSON.stringify(config, null, 2)}\n`);
}

export function normalizeHub(url: string): string {
  const parsed = hubUrlSchema.safeParse(url);
  if (!parsed.success) throw usageError(`hub ${JSON.stringify(url)} ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Which hub: the flag, SCION_HUB, the current hub, the only hub, or the default local one. */
export function resolveHub(flag: string | undefined, config = readConfig()): string {
  if (flag) return normalizeHub(flag);
  if (process.env.SCION_HUB?.trim()) return normalizeHub(process.env.SCION_HUB);
  if (config.currentHub) return config.currentHub;
  const hubs = Object.keys(config.hubs);
  return hubs.length === 1 ? hubs[0]! : DEFAULT_HUB;
}

function tokenFileFor(hub: string): string {
  const host = hub
    .replace(/^https?:\/\//, "")
    .replace(/[^A-Za-z0-9.-]+/g, "_")
    .slice(0, 80);
  const digest = crypto.createHash("sha256").update(hub).digest("hex").slice(0, 8);
  return path.join(configDir(), "tokens", `${host}-${digest}.token`);
}

/** The token for `hub`: SCION_TOKEN, else the stored one, else undefined. */
export function readToken(hub: string, config = readConfig()): string | undefined {
  if (process.env.SCION_TOKEN?.trim()) return process.env.SCION_TOKEN.trim();
  const entry = config.hubs[hub];
  if (!entry) return undefined;
  try {
    return fs.readFileSync(entry.tokenFile, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Keeps `token` for `hub` (0600) and makes it the current hub. */
export function saveToken(hub: string, token: string, user: string | null): void {
  const config = readConfig();
  const tokenFile = config.hubs[hub]?.tokenFile ?? tokenFileFor(hub);
  writePrivate(tokenFile, `${token}\n`);
  config.hubs[hub] = { user, tokenFile, savedAt: new Date().toISOString() };
  config.currentHub = hub;
  writeConfig(config);
}

/** Forgets `hub` and its token; true when there was something to forget. */
export function forgetHub(hub: string): boolean {
  const config = readConfig();
  const entry = config.hubs[hub];
  if (!entry) return false;
  fs.rmSync(entry.tokenFile, { force: true });
  delete config.hubs[hub];
  if (config.currentHub === hub) delete config.currentHub;
  writeConfig(config);
  return true;
}

export function useHub(hub: string): void {
  const config = readConfig();
  if (!config.hubs[hub]) throw new CliError(`not signed in to ${hub}; run scion login --hub ${hub}`);
  config.currentHub = hub;
  writeConfig(config);
}
