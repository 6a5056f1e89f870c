import { afterEach, describe, expect, it, vi } from "vitest";
import { intIn, keyValue, oneOf } from "../../../cli/lib/args";
import { relativeTime, table } from "../../../cli/lib/output";

/** The table fits the terminal; option values are checked when read, with the message a person reads. */
afterEach(() => vi.restoreAllMocks());

function captureTable(rows: Array<{ a: string; b: string; c: string }>, width: number): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    lines.push(String(chunk).replace(/\n$/, ""));
    return true;
  });
  table(
    rows,
    [
      { header: "NAME", value: (r) => r.a },
      { header: "STATUS", value: (r) => r.b },
      { header: "TASK", value: (r) => r.c, flex: true },
    ],
    width,
  );
  return lines;
}

describe("cli output", () => {
  const rows = [
    { a: "web/fixer", b: "Running", c: "fix the flaky test in the payments module before Friday" },
    { a: "web/b", b: "Waiting for input", c: "short" },
  ];

  it("sizes the table to the terminal: columns as wide as their widest cell, the task cut with …", () => {
    const lines = captureTable(rows, 50);
    expect(lines.every((l) => l.length <= 50)).toBe(true);
    expect(lines[0]).toBe("NAME       STATUS             TASK");
    expect(lines[1]).toMatch(/^web\/fixer {2}Running {12}fix the flak.*…$/);
    expect(lines[1]).toHaveLength(50);
    expect(lines[2]).toBe("web/b      Waiting for input  short");
  });

  it("cuts nothing off a terminal (width 0)", () => {
    const lines = captureTable(rows, 0);
    expect(lines[1]).toContain("before Friday");
  });

  it("says how long ago, like the dashboard", () => {
    const now = Date.parse("2026-12-02T12:00:00Z");
    expect(relativeTime("2026-12-02T11:59:30Z", now)).toBe("just now");
    expect(relativeTime("2026-12-02T11:50:00Z", now)).toBe("10 min ago");
    expect(relativeTime("2026-12-02T09:00:00Z", now)).toBe("3 h ago");
    expect(relativeTime("2026-11-20T09:00:00Z", now)).toBe("2026-11-20");
    expect(relativeTime(null, now)).toBe("—");
  });

  it("checks option values as commander reads them", () => {
    expect(intIn(1, 500)("42")).toBe(42);
    expect(() => intIn(1, 500)("0")).toThrow("must be a whole number from 1 to 500");
    expect(() => intIn(1, 500)("4.5")).toThrow("must be a whole number from 1 to 500");
    expect(oneOf(["asc", "desc"] as const)("asc")).toBe("asc");
    expect(() => oneOf(["asc", "desc"] as const)("up")).toThrow("must be one of asc, desc");
    expect(keyValue("A=1", keyValue("B=x=y"))).toEqual({ A: "1", B: "x=y" });
    expect(() => keyValue("1A=2")).toThrow("must be NAME=VALUE");
  });
});
