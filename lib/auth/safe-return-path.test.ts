import { describe, expect, it } from "vitest";
import { safeReturnPath } from "./require-page-user";

describe("safeReturnPath", () => {
  it.each([
    ["/agents/1", "/agents/1"],
    ["/brokers?x=1", "/brokers?x=1"],
    [undefined, "/"],
    ["", "/"],
    ["https://evil.example/", "/"],
    ["//evil.example/", "/"],
    ["/\\evil.example", "/"],
    ["javascript:alert(1)", "/"],
  ])("%s → %s", (input, expected) => {
    expect(safeReturnPath(input)).toBe(expected);
  });
});
