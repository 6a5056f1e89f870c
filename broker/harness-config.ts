import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { mergeHarnessSettings } from "../lib/harnesses/harness-settings";
import type { HarnessConfigFile, HarnessDescriptor } from "../lib/harnesses/types";
import { ensureAgentDir } from "./runtimes/agent-runtime";

export interface Owner {
  uid: number;
  gid: number;
}

/** The largest JSON file of the agent's that is merged into (a bigger one is replaced). */
const MAX_MERGE_BYTES = 16 * 1024 * 1024;

/** A HOME-relative path a file may be written at: relative, no `..`, no empty or `.` parts. */
export function safeHomePath(p: string): boolean {
  if (!p || p.length > 512 || path.isAbsolute(p) || p.includes("\0") || p.includes("\\")) return false;
  return p.split("/").every((part) => part !== "" && part !== "." && part !== "..");
}

/**
 * Writes the harness's configuration files into the agent's HOME (host path) before its start,
 * as the agent's files: directories 0700, files 0600, owned by `owner` when the agent is a user
 * of its own. HOME is the agent's, so nothing here follows a link the agent could have planted:
 * a link or file where a directory should be is removed, a file is written to a scratch name
 * created exclusively (O_EXCL|O_NOFOLLOW) and renamed over the target (which replaces a link,
 * never its target), and a file merged into is read with O_NOFOLLOW.
 */
export function writeHarnessConfig(home: string, files: HarnessConfigFile[], owner?: Owner): void {
  for (const file of files) {
    if (!safeHomePath(file.path)) throw new Error(`refusing to write outside HOME: ${file.path.slice(0, 100)}`);
    const target = path.join(home, file.path);
    ensureDirs(home, path.dirname(file.path), owner);
    const content = file.mergeJson ? mergedJson(target, file.content) : file.content;
    writeFileAtomic(target, content, owner);
  }
}

/** Credential files (secrets with target `file`), after the harness's own files; same rules. */
export function writeCredentialFiles(home: string, files: Array<{ path: string; value: string }>, owner?: Owner): void {
  writeHarnessConfig(
    home,
    files.map((f) => ({ path: f.path, content: f.value })),
    owner,
  );
}

/** A file a template places in the agent's workspace or HOME (agent.start `files`). */
export interface TemplateFile {
  path: string;
  content: string;
  target: "workspace" | "home";
}

/** A workspace-relative path a template file may take: a HOME-safe path that does not reach into `.git`. */
export function safeWorkspacePath(p: string): boolean {
  return safeHomePath(p) && p.split("/").every((part) => part.toLowerCase() !== ".git");
}

/**
 * A template's files, before the harness's own configuration (so the hub's files win where they
 * meet): each in the agent's HOME or workspace, as the agent's, with the same rules as the
 * harness's files (no `..`, no absolute paths, no link followed; in the workspace nothing under
 * `.git`, which the broker's own git commands read). Every path is checked before anything is written.
 */
export function writeTemplateFiles(
  dirs: { home: string; workspace: string },
  files: TemplateFile[],
  owner?: Owner,
): void {
  for (const file of files) {
    const ok = file.target === "workspace" ? safeWorkspacePath(file.path) : safeHomePath(file.path);
    if (!ok)
      throw new Error(
        `refusing to write a template file outside the agent's ${file.target}: ${file.path.slice(0, 100)}`,
      );
  }
  for (const target of ["home", "workspace"] as const) {
    const mine = files.filter((f) => f.target === target).map((f) => ({ path: f.path, content: f.content }));
    if (mine.length) writeHarnessConfig(dirs[target], mine, owner);
  }
}

/** The descriptor's config files with a harness config's settings merged into its settings file (the hub's keys win). */
export function withHarnessSettings(
  h: HarnessDescriptor,
  files: HarnessConfigFile[],
  settings: Record<string, unknown> | null | undefined,
): HarnessConfigFile[] {
  return settings ? mergeHarnessSettings(h, files, settings) : files;
}

/** Makes each directory of `rel` below `home` (0700, the agent's); links and files in the way are removed. */
function ensureDirs(home: string, rel: string, owner?: Owner): void {
  let dir = home;
  for (const part of rel === "." ? [] : rel.split("/")) {
    dir = path.join(dir, part);
    if (fs.lstatSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue;
    ensureAgentDir(dir, owner);
  }
}

function writeFileAtomic(file: string, content: string, owner?: Owner): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${crypto.randomBytes(6).toString("hex")}`);
  const fd = fs.openSync(
    tmp,
    fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
    0o600,
  );
  try {
    fs.writeSync(fd, content);
    if (owner) fs.fchownSync(fd, owner.uid, owner.gid);
    fs.fchmodSync(fd, 0o600);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

/**
 * Ours merged into the agent's existing JSON object: the harness's own keys stay (its history,
 * other projects), ours win; objects merge key by key, anything else is replaced. A file that is
 * missing, a link, too big or not a JSON object is replaced by ours.
 */
function mergedJson(file: string, ours: string): string {
  const mine = JSON.parse(ours) as unknown;
  let existing: unknown;
  try {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    try {
      const stat = fs.fstatSync(fd);
      if (stat.isFile() && stat.size <= MAX_MERGE_BYTES) existing = JSON.parse(fs.readFileSync(fd, "utf8"));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    existing = undefined;
  }
  return JSON.stringify(isObject(existing) ? deepMerge(existing, mine) : mine, null, 2);
}

export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (key === "__proto__") continue;
    out[key] = Object.hasOwn(base, key) ? deepMerge(base[key], value) : value;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
