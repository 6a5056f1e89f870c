/**
 * The real CLIs run interactively in tmux with the descriptor's argv, as an unprivileged user in a
 * fresh HOME holding only the descriptor's config files, against the scripted model server: no
 * first-run screen stops them (the task runs with no key pressed), a message typed later reaches
 * the model as a new user turn, and the descriptor's resume argv sends the earlier conversation.
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
import { createHarnessSandbox, harnessBinary, type HarnessSandbox, type TmuxSession } from "../support/harness-sandbox";
import { startModelServer, type ModelServer } from "../support/model-server";
import { until } from "../until";

const TASK = "Create proof.txt containing hello";
const SCRIPT = [
  { when: TASK, commands: ["echo hello > proof.txt"], text: "All done: proof written." },
  { when: "second message", text: "Second answer here." },
  { when: "third message", text: "Third answer here." },
];

const CASES: Array<{ harness: HarnessDescriptor; env: (url: string) => Record<string, string>; idle: string }> = [
  {
    harness: claude,
    env: (url) => ({ ANTHROPIC_API_KEY: "sk-ant-scripted-0123456789abcdefghijklmnop", ANTHROPIC_BASE_URL: url }),
    idle: "bypass permissions on",
  },
  {
    harness: gemini,
    env: (url) => ({ GEMINI_API_KEY: "scripted-gemini-key-0123456789", GOOGLE_GEMINI_BASE_URL: url }),
    idle: "Type your message",
  },
  {
    harness: codex,
    env: (url) => ({ OPENAI_API_KEY: "sk-scripted-openai-0123456789", OPENAI_BASE_URL: `${url}/v1` }),
    idle: "Ask Codex to do anything",
  },
];

let server: ModelServer | undefined;
let sandbox: HarnessSandbox | undefined;

afterEach(async () => {
  sandbox?.cleanup();
  await server?.close();
  server = undefined;
  sandbox = undefined;
});

describe("real CLIs interactively in tmux", () => {
  it.each(CASES.map((c) => [c.harness.id, c] as const))(
    "%s: starts straight into the task, takes a typed message, and resumes the conversation",
    async (_id, c) => {
      const srv = (server = await startModelServer({ script: SCRIPT }));
      const sb = (sandbox = createHarnessSandbox({ harness: c.harness, env: c.env(srv.url) }));
      const bin = await harnessBinary(c.harness);
      const launch = (resume: boolean) =>
        sb.tmux(c.harness.argv({ bin, task: resume ? null : TASK, resume, shell: "/bin/bash" }));
      const onScreen = (t: TmuxSession, text: string, what: string) =>
        until(() => t.pane().includes(text), what, 60_000, 250).catch((e: Error) => {
          throw new Error(`${e.message}; the pane shows:\n${t.pane()}`);
        });
      const turnWith = (text: string) => srv.turns().find((r) => r.userTexts.at(-1)?.includes(text));

      let t = launch(false);
      await onScreen(t, "All done: proof written.", "the task's final text");
      expect(fs.readFileSync(path.join(sb.workspace, "proof.txt"), "utf8")).toBe("hello\n");
      await onScreen(t, c.idle, "the input prompt");

      await t.type("Here is a second message");
      await onScreen(t, "Second answer here.", "the second answer");
      expect(turnWith("second message")?.userTexts).toEqual(expect.arrayContaining([expect.stringContaining(TASK)]));

      t.kill();
      const resumed = srv.requests.length;
      t = launch(true);
      // Codex fires SessionStart (resume) only with the first prompt, so the screen says when it is ready.
      await onScreen(t, c.idle, "the input prompt after resume");
      await new Promise((r) => setTimeout(r, 1000));
      await t.type("A third message after resume");
      await onScreen(t, "Third answer here.", "the third answer");
      const third = srv.requests
        .slice(resumed)
        .find((r) => r.answer === "text" && r.userTexts.at(-1)?.includes("third message"));
      expect(
        sb.hookCalls().some((h) => h.payload?.hook_event_name === "SessionStart" && h.payload.source === "resume"),
      ).toBe(true);
      expect(third?.userTexts.slice(-3)).toEqual([
        expect.stringContaining(TASK),
        expect.stringContaining("second message"),
        expect.stringContaining("third message"),
      ]);
      t.kill();
    },
    240_000,
  );
});
