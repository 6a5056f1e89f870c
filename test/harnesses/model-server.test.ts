/**
 * The real coding-assistant CLIs, run once each in one-shot mode as an unprivileged user against
 * the scripted model server, with a HOME holding only what the harness descriptor's configFiles
 * writes: the model's tool call runs, its final text is printed, the server saw the task, and the
 * hooks registered in that config fire with the turn's last message.
 *
 * The CLIs are installed for the run by the broker's installer (test/support/harness-sandbox.ts).
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { claude } from "@/lib/harnesses/claude";
import { codex } from "@/lib/harnesses/codex";
import { gemini } from "@/lib/harnesses/gemini";
import type { HarnessDescriptor } from "@/lib/harnesses/types";
import { createHarnessSandbox, harnessBinary, type HarnessSandbox } from "../support/harness-sandbox";
import { startModelServer, type ModelServer } from "../support/model-server";
import { until } from "../until";

const TASK = "Create proof.txt containing hello";
const FINAL = "All done: proof written.";

interface Case {
  harness: HarnessDescriptor;
  env: (url: string) => Record<string, string>;
  oneShot: (bin: string) => string[];
  /** Hook events (hook_event_name) one turn with one tool call must fire. */
  events: string[];
  /** The turn-end event and the field holding the last assistant message. */
  turnEnd: { event: string; field: string };
}

const CASES: Case[] = [
  {
    harness: claude,
    env: (url) => ({ ANTHROPIC_API_KEY: "sk-ant-scripted-0123456789abcdefghijklmnop", ANTHROPIC_BASE_URL: url }),
    oneShot: (bin) => [bin, "-p", "--dangerously-skip-permissions", TASK],
    events: ["SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop", "SessionEnd"],
    turnEnd: { event: "Stop", field: "last_assistant_message" },
  },
  {
    harness: gemini,
    env: (url) => ({ GEMINI_API_KEY: "scripted-gemini-key-0123456789", GOOGLE_GEMINI_BASE_URL: url }),
    oneShot: (bin) => [bin, "--yolo", "-p", TASK],
    events: [
      "SessionStart",
      "BeforeAgent",
      "BeforeModel",
      "AfterModel",
      "BeforeTool",
      "AfterTool",
      "AfterAgent",
      "SessionEnd",
    ],
    turnEnd: { event: "AfterAgent", field: "prompt_response" },
  },
  {
    harness: codex,
    env: (url) => ({ OPENAI_API_KEY: "sk-scripted-openai-0123456789", OPENAI_BASE_URL: `${url}/v1` }),
    oneShot: (bin) => [
      bin,
      "exec",
      "--dangerously-bypass-approvals-and-sandbox",
      "--dangerously-bypass-hook-trust",
      "--skip-git-repo-check",
      TASK,
    ],
    events: ["SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop", "SessionEnd"],
    turnEnd: { event: "Stop", field: "last_assistant_message" },
  },
];

let server: ModelServer | undefined;
let sandbox: HarnessSandbox | undefined;

afterEach(async () => {
  await server?.close();
  sandbox?.cleanup();
  server = undefined;
  sandbox = undefined;
});

describe("real CLIs against the scripted model server", () => {
  it.each(CASES.map((c) => [c.harness.id, c] as const))(
    "%s: one-shot runs the tool, prints the final text and fires its hooks",
    async (_id, c) => {
      server = await startModelServer({ script: [{ when: TASK, commands: ["echo hello > proof.txt"], text: FINAL }] });
      sandbox = createHarnessSandbox({ harness: c.harness, env: c.env(server.url) });
      const result = await sandbox.run(c.oneShot(await harnessBinary(c.harness)), { timeoutMs: 75_000 });
      const context = `exit ${result.code} after ${result.ms} ms\nstdout: ${result.stdout.slice(-2000)}\nstderr: ${result.stderr.slice(-2000)}`;

      expect(result.code, context).toBe(0);
      expect(fs.readFileSync(path.join(sandbox.workspace, "proof.txt"), "utf8")).toBe("hello\n");
      expect(result.stdout).toContain(FINAL);

      const turns = server.turns();
      expect(turns.find((r) => r.answer === "tool-call")?.userTexts.at(-1)).toContain(TASK);
      expect(turns.find((r) => r.answer === "text" && r.toolResults === 1)?.userTexts.at(-1)).toContain(TASK);

      // Hooks may still be running when the CLI exits (e.g. SessionEnd): wait for the full set.
      const s = sandbox;
      const names = await until(
        () => {
          const seen = s.hookCalls().map((h) => String(h.payload?.hook_event_name));
          return c.events.every((e) => seen.includes(e)) && seen;
        },
        `hooks ${c.events.join(", ")}`,
        10_000,
      ).catch(() => s.hookCalls().map((h) => String(h.payload?.hook_event_name)));
      expect(names).toEqual(expect.arrayContaining(c.events));
      const turnEnd = sandbox.hookCalls().find((h) => h.payload?.hook_event_name === c.turnEnd.event);
      expect(turnEnd?.payload?.[c.turnEnd.field]).toBe(FINAL);
      expect(turnEnd?.payload?.cwd).toBe(sandbox.workspace);
    },
    90_000,
  );
});
