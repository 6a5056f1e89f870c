import type { HarnessConfigFile, HarnessDescriptor } from "./types";

/** A harness config's settings, as JSON: at most this many bytes. */
export const MAX_SETTINGS_BYTES = 64 * 1024;
const MAX_DEPTH = 16;
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * What is wrong with settings for a harness, one message each (empty when they may be used): an
 * object of at most 64 KiB, not too deep, no prototype keys, none of the keys the hub writes itself
 * (named), and for a TOML config file no nulls (TOML has none). A harness without a settings file
 * takes none.
 */
export function settingsProblems(h: HarnessDescriptor, settings: unknown): string[] {
  if (typeof settings !== "object" || settings === null || Array.isArray(settings))
    return ["settings must be a JSON object"];
  if (Object.keys(settings).length === 0) return [];
  if (!h.settings) return [`${h.name} takes no settings`];
  if (Buffer.byteLength(JSON.stringify(settings), "utf8") > MAX_SETTINGS_BYTES)
    return [`settings are at most ${MAX_SETTINGS_BYTES / 1024} KiB of JSON`];
  const problems: string[] = [];
  const walk = (value: unknown, at: string, depth: number) => {
    if (depth > MAX_DEPTH) return void problems.push(`settings nest at most ${MAX_DEPTH} levels deep`);
    if (value === null && h.settings!.format === "toml") problems.push(`${at}: TOML has no null`);
    if (typeof value !== "object" || value === null) return;
    for (const [key, inner] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(key)) problems.push(`${at ? `${at}.` : ""}${key}: not a settings key`);
      walk(inner, at ? `${at}.${key}` : key, depth + 1);
    }
  };
  walk(settings, "", 0);
  const reserved = reservedSettings(h, settings as Record<string, unknown>);
  if (reserved.length)
    problems.push(
      `the hub writes ${reserved.join(", ")} itself (hooks, permissions, its own defaults): leave them out`,
    );
  return [...new Set(problems)].slice(0, 20);
}

/** The reserved keys (dotted paths) the settings name. */
export function reservedSettings(h: HarnessDescriptor, settings: Record<string, unknown>): string[] {
  return (h.settings?.reserved ?? []).filter((dotted) => lookup(settings, dotted.split(".")) !== undefined);
}

/** The settings without the reserved keys (what a broker merges, whatever a hub sent). */
export function withoutReserved(h: HarnessDescriptor, settings: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(settings) as Record<string, unknown>;
  for (const dotted of h.settings?.reserved ?? []) {
    const parts = dotted.split(".");
    const parent = lookup(copy, parts.slice(0, -1));
    if (isObject(parent)) delete parent[parts.at(-1)!];
  }
  for (const key of FORBIDDEN_KEYS) delete copy[key];
  return copy;
}

/**
 * The descriptor's settings file with the settings merged in, the hub's own values winning:
 * JSON objects merge key by key; for TOML, the settings' top-level keys go before ours and their
 * tables after (reserved keys never reach the file, so no key is written twice). Other files
 * pass through.
 */
export function mergeHarnessSettings(
  h: HarnessDescriptor,
  files: HarnessConfigFile[],
  settings: Record<string, unknown>,
): HarnessConfigFile[] {
  const spec = h.settings;
  if (!spec || Object.keys(settings).length === 0) return files;
  const theirs = withoutReserved(h, settings);
  return files.map((file) => {
    if (file.path !== spec.path) return file;
    if (spec.format === "json") {
      const ours = JSON.parse(file.content) as unknown;
      return { ...file, content: JSON.stringify(deepMergeJson(theirs, ours), null, 2) };
    }
    const { top, tables } = toToml(theirs);
    const content = [...(top.length ? [...top, ""] : []), file.content, ...(tables.length ? ["", ...tables] : [])];
    return { ...file, content: content.join("\n") };
  });
}

/** `over` merged onto `base`: objects key by key, anything else replaced by `over`'s. */
export function deepMergeJson(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (FORBIDDEN_KEYS.has(key)) continue;
    out[key] = Object.hasOwn(base, key) ? deepMergeJson(base[key], value) : value;
  }
  return out;
}

/** Settings as TOML: top-level key/values, then one `[table]` per nested object. */
export function toToml(settings: Record<string, unknown>): { top: string[]; tables: string[] } {
  const tables: string[] = [];
  const top = keyValues(settings);
  const emit = (obj: Record<string, unknown>, path: string[]) => {
    for (const [key, value] of Object.entries(obj)) {
      if (!isObject(value)) continue;
      const here = [...path, key];
      const lines = keyValues(value);
      const hasTables = Object.values(value).some(isObject);
      if (lines.length || !hasTables) tables.push(`[${here.map(tomlKey).join(".")}]`, ...lines, "");
      emit(value, here);
    }
  };
  emit(settings, []);
  return { top, tables };
}

function keyValues(obj: Record<string, unknown>): string[] {
  return Object.entries(obj)
    .filter(([, v]) => !isObject(v) && v !== null && v !== undefined)
    .map(([k, v]) => `${tomlKey(k)} = ${tomlValue(v as Json)}`);
}

function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}

function tomlValue(value: Json): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "0";
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value))
    return `[${value
      .filter((v) => v !== null)
      .map(tomlValue)
      .join(", ")}]`;
  if (value === null) return '""';
  const entries = Object.entries(value).filter(([, v]) => v !== null);
  return `{ ${entries.map(([k, v]) => `${tomlKey(k)} = ${tomlValue(v)}`).join(", ")} }`;
}

function lookup(obj: unknown, parts: string[]): unknown {
  let at: unknown = obj;
  for (const part of parts) {
    if (!isObject(at) || !Object.hasOwn(at, part)) return undefined;
    at = at[part];
  }
  return at;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
