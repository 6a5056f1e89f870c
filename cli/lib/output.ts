/**
 * What the command line prints: colours only on a TTY and never with NO_COLOR (or --no-color),
 * tables sized to the terminal, a spinner on stderr while something settles, JSON for scripts.
 */
import type { StatusTone } from "../../components/agents/agent-status";

let colourOff = false;
/** --no-color. */
export function disableColour(): void {
  colourOff = true;
}

function colourOn(stream: NodeJS.WriteStream = process.stdout): boolean {
  return !colourOff && Boolean(stream.isTTY) && !("NO_COLOR" in process.env && process.env.NO_COLOR !== "");
}

const paint =
  (open: number, close: number) =>
  (s: string, stream: NodeJS.WriteStream = process.stdout): string =>
    colourOn(stream) ? `\x1b[${open}m${s}\x1b[${close}m` : s;

export const c = {
  bold: paint(1, 22),
  dim: paint(2, 22),
  red: paint(31, 39),
  green: paint(32, 39),
  yellow: paint(33, 39),
  blue: paint(34, 39),
  cyan: paint(36, 39),
};

const TONES: Record<StatusTone, (s: string) => string> = {
  green: c.green,
  amber: c.yellow,
  red: c.red,
  blue: c.blue,
  grey: c.dim,
};
export const toneColour = (tone: StatusTone) => TONES[tone];

export function out(line = ""): void {
  process.stdout.write(`${line}\n`);
}

export function info(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const ANSI = /\x1b\[[0-9;]*m/g;
const visible = (s: string) => s.replace(ANSI, "").length;

function cut(s: string, width: number): string {
  if (visible(s) <= width) return s;
  const plain = s.replace(ANSI, "");
  return width <= 1 ? plain.slice(0, width) : `${plain.slice(0, width - 1)}…`;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Painted after the width is decided (colour codes take no room). */
  paint?: (text: string, row: T) => string;
  /** The one column that shrinks (and grows) to fit the terminal. */
  flex?: boolean;
  align?: "right";
}

/**
 * A table as wide as the terminal (on a TTY): every column as wide as its widest cell, the flex
 * column taking what is left (at least 10), cut with "…". Off a TTY nothing is cut.
 */
export function table<T>(rows: T[], columns: Column<T>[], width = process.stdout.isTTY ? process.stdout.columns : 0) {
  const cells = rows.map((r) => columns.map((col) => col.value(r).replace(/\s+/g, " ")));
  const widths = columns.map((col, i) => Math.max(col.header.length, ...cells.map((row) => row[i]!.length)));
  const gap = 2;
  if (width > 0) {
    const flex = columns.findIndex((col) => col.flex);
    const others = widths.reduce((n, w, i) => (i === flex ? n : n + w + gap), 0);
    if (flex >= 0) widths[flex] = Math.max(10, Math.min(widths[flex]!, width - others));
  }
  const line = (values: string[], painted: (string | undefined)[] = []) =>
    values
      .map((v, i) => {
        const w = widths[i]!;
        const text = width > 0 ? cut(v, w) : v;
        const pad = " ".repeat(Math.max(0, w - text.length));
        const shown = painted[i] !== undefined && text === v ? painted[i]! : text;
        return columns[i]!.align === "right" ? pad + shown : i === values.length - 1 ? shown : shown + pad;
      })
      .join(" ".repeat(gap))
      .trimEnd();
  out(c.bold(line(columns.map((col) => col.header))));
  rows.forEach((row, r) =>
    out(
      line(
        cells[r]!,
        columns.map((col, i) => (col.paint ? col.paint(cells[r]![i]!, row) : undefined)),
      ),
    ),
  );
}

export function relativeTime(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "—";
  const seconds = Math.round((now - new Date(iso).getTime()) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(iso).toISOString().slice(0, 10);
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** A spinner on stderr while something settles (a TTY only); `stop` leaves the end line on stdout. */
export function spinner(initial: string) {
  const tty = Boolean(process.stderr.isTTY);
  let text = initial;
  let frame = 0;
  const draw = () =>
    process.stderr.write(`\r${c.cyan(FRAMES[frame++ % FRAMES.length]!, process.stderr)} ${text}\x1b[K`);
  const timer = tty ? setInterval(draw, 80) : undefined;
  if (tty) draw();
  return {
    update(next: string) {
      text = next;
    },
    stop(end?: string) {
      if (timer) clearInterval(timer);
      if (tty) process.stderr.write("\r\x1b[K");
      if (end) out(end);
    },
  };
}

/** Asks a yes/no question on the terminal; false unless the answer starts with y. */
export async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export const tick = () => c.green("✔");
export const cross = () => c.red("✖");
