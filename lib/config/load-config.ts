import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import type { z } from "zod";
import { isLoopbackHost, settingsSchema, type HubConfig, type Settings } from "./schema";
import { ENV_KEYS, SECRET_PATHS } from "./sources";
import { StartupError } from "../runtime/startup-error";

/** A configuration problem, already phrased as the one line the operator will read. */
export class ConfigError extends StartupError {
  override name = "ConfigError";
}

export interface LoadConfigOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
}

type Raw = Record<string, unknown>;

/**
 * Reads the optional scion.yaml (SCION_CONFIG, else ./scion.yaml) and the environment, the
 * environment winning, and validates the result. Throws ConfigError naming the variable or
 * file key of the first bad value; never echoes secrets.
 */
export function loadConfig({ env = process.env, cwd = process.cwd() }: LoadConfigOptions = {}): HubConfig {
  const { raw: fileRaw, file } = readSettingsFile(env, cwd);
  const raw = structuredClone(fileRaw);
  const fromEnv = new Map<string, string>();
  for (const { env: name, path: keyPath } of ENV_KEYS) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    setPath(raw, keyPath, value);
    fromEnv.set(keyPath.join("."), name);
  }

  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(describeIssue(parsed.error.issues[0]!, raw, fromEnv, file));
  const settings = parsed.data;
  const label = (key: string) => fromEnv.get(key) ?? (file ? `${path.basename(file)}: ${key}` : envNameOf(key));

  const loopback = isLoopbackHost(settings.host);
  const authMode = settings.authMode ?? (loopback ? "dev" : undefined);
  if (!authMode) {
    throw new ConfigError(
      `${envNameOf("authMode")}: required when the hub listens on a non-loopback address (${label("host")}=${settings.host}); use "oauth" or "proxy"`,
    );
  }
  if (authMode === "dev" && !loopback) {
    throw new ConfigError(
      `${label("authMode")}: dev mode is refused unless the hub listens on a loopback address (${label("host")}=${settings.host})`,
    );
  }
  if (authMode === "proxy" && !settings.iap.audience) {
    throw new ConfigError(`${envNameOf("iap.audience")}: required in proxy mode (the expected IAP audience)`);
  }

  const oauth = completeOAuthClients(settings.oauth, label);
  if (authMode === "oauth" && !oauth.google && !oauth.github && !oauth.oidc) {
    throw new ConfigError(
      `${label("authMode")}: oauth mode needs at least one provider (SCION_GOOGLE_CLIENT_ID/_SECRET, SCION_GITHUB_CLIENT_ID/_SECRET, or SCION_OIDC_ISSUER/_CLIENT_ID/_CLIENT_SECRET)`,
    );
  }
  const hostForUrl =
    settings.host.includes(":") && !settings.host.startsWith("[") ? `[${settings.host}]` : settings.host;
  const internalUrl = settings.internalUrl ?? `http://${hostForUrl}:${settings.port}`;
  return {
    ...settings,
    authMode,
    oauth,
    localBroker: settings.localBroker ?? !settings.databaseUrl,
    internalUrl,
    publicUrl: (settings.publicUrl ?? internalUrl).replace(/\/+$/, ""),
    dataDirPath: path.resolve(cwd, settings.dataDir),
    configFile: file,
  };
}

/** Keeps the OAuth clients that are complete; a half-configured one is an error naming what is missing. */
function completeOAuthClients(oauth: Settings["oauth"], label: (key: string) => string): HubConfig["oauth"] {
  const out: HubConfig["oauth"] = {};
  for (const name of ["google", "github", "oidc"] as const) {
    const c = oauth[name];
    if (!c || (!c.clientId && !c.clientSecret && !("issuer" in c && c.issuer))) continue;
    const required =
      name === "oidc" ? (["issuer", "clientId", "clientSecret"] as const) : (["clientId", "clientSecret"] as const);
    for (const key of required) {
      if (!(c as Record<string, unknown>)[key])
        throw new ConfigError(`${label(`oauth.${name}.${key}`)}: required when the ${name} provider is configured`);
    }
    if (name === "oidc") {
      const o = c as { issuer: string; clientId: string; clientSecret: string; name: string };
      out.oidc = {
        issuer: o.issuer.replace(/\/+$/, ""),
        clientId: o.clientId,
        clientSecret: o.clientSecret,
        name: o.name,
      };
    } else out[name] = { clientId: c.clientId!, clientSecret: c.clientSecret! };
  }
  return out;
}

function readSettingsFile(env: Record<string, string | undefined>, cwd: string): { raw: Raw; file?: string } {
  const explicit = env.SCION_CONFIG;
  const file = explicit ? path.resolve(cwd, explicit) : path.join(cwd, "scion.yaml");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!explicit && code === "ENOENT") return { raw: {} };
    throw new ConfigError(`SCION_CONFIG: cannot read ${file} (${code ?? String(err)})`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    const linePos = (err as { linePos?: Array<{ line: number }> }).linePos?.[0];
    const where = linePos ? ` line ${linePos.line}` : "";
    throw new ConfigError(
      `${path.basename(file)}:${where} is not valid YAML (${firstLine(String((err as Error).message))})`,
    );
  }
  if (doc === null || doc === undefined) return { raw: {}, file };
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new ConfigError(`${path.basename(file)}: must be a mapping of settings (key: value)`);
  }
  return { raw: doc as Raw, file };
}

function describeIssue(issue: z.core.$ZodIssue, raw: Raw, fromEnv: Map<string, string>, file?: string): string {
  const keyPath = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const key = [...keyPath, issue.keys[0]].join(".");
    return `${file ? path.basename(file) : "scion.yaml"}: unknown setting "${key}"`;
  }
  const key = keyPath.join(".");
  // An issue inside a list (adminEmails.2) belongs to the list's variable.
  const top = fromEnv.get(key) ?? fromEnv.get(keyPath.slice(0, -1).join(".")) ?? fromEnv.get(keyPath[0] ?? "");
  const label = top ?? (file ? `${path.basename(file)}: ${key}` : key);
  const value = getPath(raw, keyPath);
  const secret = SECRET_PATHS.has(keyPath[0] ?? "");
  const shown = secret || value === undefined || typeof value === "object" ? "" : ` (got ${JSON.stringify(value)})`;
  return `${label}: ${issue.message}${shown}`;
}

function envNameOf(key: string): string {
  return ENV_KEYS.find((k) => k.path.join(".") === key)?.env ?? key;
}

function setPath(target: Raw, keyPath: readonly string[], value: unknown): void {
  let node = target;
  for (const part of keyPath.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Raw;
  }
  node[keyPath[keyPath.length - 1]!] = value;
}

function getPath(target: unknown, keyPath: readonly string[]): unknown {
  let node = target;
  for (const part of keyPath) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Raw)[part];
  }
  return node;
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.trim();
}
