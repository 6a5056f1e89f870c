import fs from "node:fs";

/** At most this much of a log goes into one answer (a tail, or one step of a follow). */
export const LOG_READ_MAX_BYTES = 256 * 1024;
/** The most lines a tail answers. */
export const LOG_TAIL_MAX_LINES = 5000;

export interface LogChunk {
  lines: string[];
  /** Where the next read continues (the file's byte offset after the last whole line read). */
  offset: number;
}

// CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), other two-byte escapes, then lone C0 controls but tab.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[@-Z\\-_]|\x1b./g;
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;

/**
 * A line as a person reads it: escape sequences (colours, cursor moves, titles) removed, and of
 * a line redrawn with carriage returns only what a terminal would finally show (the last part).
 */
export function cleanLine(raw: string): string {
  const line = raw.replace(/\r+$/, "");
  const shown = line.includes("\r") ? line.slice(line.lastIndexOf("\r") + 1) : line;
  return shown.replace(ANSI, "").replace(CONTROL, "");
}

/**
 * Opens a log in a directory its agent may write, for the broker (root) to read: never through a
 * link the agent planted (O_NOFOLLOW), never a FIFO or device (O_NONBLOCK, regular files only),
 * never a hard link to someone else's file (one link only). Null when there is no such log.
 */
function openLog(file: string): { fd: number; size: number } | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return null;
  }
  const stat = fs.fstatSync(fd);
  if (!stat.isFile() || stat.nlink !== 1) {
    fs.closeSync(fd);
    return null;
  }
  return { fd, size: stat.size };
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = fs.readSync(fd, buf, 0, length, position);
  return buf.subarray(0, n);
}

/** The last `lines` lines of a log (from at most its last LOG_READ_MAX_BYTES), and where its end is. */
export function tailLog(file: string, lines: number): LogChunk {
  const log = openLog(file);
  if (!log) return { lines: [], offset: 0 };
  try {
    const start = Math.max(0, log.size - LOG_READ_MAX_BYTES);
    const text = readAt(log.fd, start, log.size - start).toString("utf8");
    const all = text.split("\n");
    if (start > 0) all.shift(); // a partial first line
    const end = text.endsWith("\n") ? all.length - 1 : all.length;
    const whole = all.slice(0, end);
    // An unfinished last line is shown in a tail, and read again (finished) by a follow.
    const partialBytes = text.endsWith("\n") ? 0 : Buffer.byteLength(all[all.length - 1] ?? "");
    const shown = (partialBytes ? all : whole).slice(-Math.min(lines, LOG_TAIL_MAX_LINES)).map(cleanLine);
    return { lines: lines === 0 ? [] : shown, offset: log.size - partialBytes };
  } finally {
    fs.closeSync(log.fd);
  }
}

/**
 * The whole lines written to a log after `offset` (at most LOG_READ_MAX_BYTES of them; the rest
 * comes with the next read). A log that shrank (a new session truncated it) is read from its start.
 */
export function readLogSince(file: string, offset: number): LogChunk {
  const log = openLog(file);
  if (!log) return { lines: [], offset: 0 };
  try {
    const from = log.size < offset ? 0 : offset;
    const length = Math.min(LOG_READ_MAX_BYTES, log.size - from);
    if (length <= 0) return { lines: [], offset: from };
    const buf = readAt(log.fd, from, length);
    const lastNewline = buf.lastIndexOf(0x0a);
    // A line longer than a whole read is cut where the read ends, so a follow always moves on.
    const usable = lastNewline >= 0 ? lastNewline + 1 : length === LOG_READ_MAX_BYTES ? length : 0;
    if (usable === 0) return { lines: [], offset: from };
    const text = buf.subarray(0, usable).toString("utf8");
    const lines = (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n").map(cleanLine);
    return { lines, offset: from + usable };
  } finally {
    fs.closeSync(log.fd);
  }
}
