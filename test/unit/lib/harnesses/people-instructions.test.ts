import { describe, expect, it } from "vitest";
import { PEOPLE_INSTRUCTIONS } from "../../../../lib/harnesses/people-instructions";
import { findHarness } from "../../../../lib/harnesses/registry";

const ctx = (instructions: string | null) => ({
  home: "/home/agent",
  workspace: "/work/space",
  hookCommand: "scion-agent hook",
  model: null,
  instructions,
  systemPrompt: null,
  env: {},
});

describe("the say/ask instructions every coding agent gets", () => {
  for (const [harness, file] of [
    ["claude", ".claude/CLAUDE.md"],
    ["gemini", ".gemini/GEMINI.md"],
    ["codex", ".codex/AGENTS.md"],
  ] as const) {
    it(`${harness}: its instructions file says how to say and ask, after the template's own instructions`, () => {
      const h = findHarness(harness)!;
      const withTemplate = h.configFiles!(ctx("Be brief.")).find((f) => f.path === file);
      expect(withTemplate?.content).toBe(`Be brief.\n\n${PEOPLE_INSTRUCTIONS}\n`);
      const alone = h.configFiles!(ctx(null)).find((f) => f.path === file);
      expect(alone?.content).toBe(`${PEOPLE_INSTRUCTIONS}\n`);
      expect(alone?.content).toContain('scion-agent ask "<question>"');
      expect(alone?.content).toContain('scion-agent say "<text>"');
    });
  }
});
