import { describe, expect, it } from "vitest";
import { mergeHarnessSettings, settingsProblems, toToml } from "../../../../lib/harnesses/harness-settings";
import { findHarness } from "../../../../lib/harnesses/registry";

const claude = findHarness("claude")!;
const codex = findHarness("codex")!;
const shell = findHarness("shell")!;

describe("harness config settings", () => {
  it("are fine when empty, for any harness", () => {
    expect(settingsProblems(shell, {})).toEqual([]);
    expect(settingsProblems(claude, {})).toEqual([]);
  });

  it("name every reserved key they contain, nested ones by their dotted path", () => {
    expect(settingsProblems(claude, { theme: "dark", hooks: {}, permissions: { allow: [] } })).toEqual([
      "the hub writes hooks, permissions itself (hooks, permissions, its own defaults): leave them out",
    ]);
    expect(settingsProblems(findHarness("gemini")!, { security: { auth: {} }, security2: 1 })).toEqual([
      "the hub writes security.auth itself (hooks, permissions, its own defaults): leave them out",
    ]);
  });

  it("refuse non-objects, settings for a harness without a settings file, and nulls in TOML", () => {
    expect(settingsProblems(claude, [1])).toEqual(["settings must be a JSON object"]);
    expect(settingsProblems(shell, { a: 1 })).toEqual(["Shell takes no settings"]);
    expect(settingsProblems(codex, { tui: { x: null } })).toEqual(["tui.x: TOML has no null"]);
  });

  it("render as TOML: scalars at the top, one table per nested object, quoted keys and inline tables in arrays", () => {
    expect(toToml({ a: 1, "b c": "x", list: [1, { k: true }], t: { u: { v: "w" }, z: false }, empty: {} })).toEqual({
      top: ["a = 1", '"b c" = "x"', "list = [1, { k = true }]"],
      tables: ["[t]", "z = false", "", "[t.u]", 'v = "w"', "", "[empty]", ""],
    });
  });

  it("merge into JSON with the hub's values winning, and only into the settings file", () => {
    const files = [
      { path: ".claude/settings.json", content: JSON.stringify({ a: { keep: 1, ours: 2 } }) },
      { path: ".claude.json", content: "{}" },
    ];
    const merged = mergeHarnessSettings(claude, files, { a: { ours: 9, theirs: 3 }, b: true });
    expect(JSON.parse(merged[0]!.content)).toEqual({ a: { keep: 1, ours: 2, theirs: 3 }, b: true });
    expect(merged[1]).toBe(files[1]);
  });
});
