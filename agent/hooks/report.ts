import fs from "node:fs";
import type { HookEvent } from "../../lib/harnesses/types";

/**
 * What one harness hook event tells the hub: the normalised event, and the activity (with its
 * detail) and last output it implies. No activity means the event changes nothing the user sees
 * (it still refreshes lastSeen). Sent as is as the body of POST /agents/{id}/status.
 */
export interface HookReport {
  hookEvent: HookEvent;
  activity?: "idle" | "thinking" | "executing" | "waiting_for_input" | "completed";
  detail?: string | null;
  lastOutput?: string;
}

export type HookPayload = Record<string, unknown>;

/** What the hub keeps of a last output; more would only travel to be cut. */
const OUTPUT_LIMIT = 4000;
const DETAIL_LIMIT = 1000;

export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

export function bounded(text: string | undefined, limit: number): string | undefined {
  const t = text?.trim();
  if (!t) return undefined;
  return t.length > limit ? t.slice(0, limit) : t;
}

export const boundedOutput = (text: string | undefined) => bounded(text, OUTPUT_LIMIT);
export const boundedDetail = (text: string | undefined) => bounded(text, DETAIL_LIMIT) ?? null;

/**
 * The last assistant text in a JSONL transcript (Claude Code's format: one message a line,
 * `{type: "assistant", message: {content: [{type: "text", text}]}}`). Only the file's tail is
 * read: a long session's transcript is megabytes, and a hook has 100 ms.
 */
export function lastAssistantText(file: string | undefined, tailBytes = 512 * 1024): string | undefined {
  if (!file) return undefined;
  let text: string;
  try {
    const fd = fs.openSync(file, "r");
    try {
      const size = fs.fstatSync(fd).size;
      const start = Math.max(0, size - tailBytes);
      const buf = Buffer.alloc(size - start);
      fs.readSync(fd, buf, 0, buf.length, start);
      text = buf.toString("utf8");
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const lines = text.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line.startsWith("{")) continue;
    try {
      const entry = JSON.parse(line) as { type?: string; message?: { role?: string; content?: unknown } };
      if (entry.type !== "assistant" && entry.message?.role !== "assistant") continue;
      const content = entry.message?.content;
      const parts =
        typeof content === "string"
          ? [content]
          : Array.isArray(content)
            ? content.filter((c) => c?.type === "text").map((c) => str(c.text) ?? "")
            : [];
      const joined = parts.join("\n").trim();
      if (joined) return joined;
    } catch {
      // A half-written last line: look further up.
    }
  }
  return undefined;
}
