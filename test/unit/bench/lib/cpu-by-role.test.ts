import { describe, expect, it } from "vitest";
import { cpuPerRequest } from "../../../../bench/lib/cpu-by-role";

describe("cpuPerRequest", () => {
  it("gives each role's CPU per request in µs, largest first, leaving out roles under 1 µs", () => {
    const before = new Map([
      ["hub", 1000],
      ["postgres", 500],
      ["other", 10],
    ]);
    const after = new Map([
      ["hub", 2200], // 1,200 ms over 1,000 requests: 1,200 µs each
      ["postgres", 740], // 240 µs each
      ["other", 10.5], // 0.5 µs each: left out
      ["broker", 30], // new since before: 30 µs each
    ]);
    expect(cpuPerRequest(before, after, 1000)).toBe("hub 1200 µs, postgres 240 µs, broker 30 µs");
  });

  it("does not divide by zero when nothing was measured", () => {
    expect(cpuPerRequest(new Map([["hub", 5]]), new Map([["hub", 7]]), 0)).toBe("hub 2000 µs");
  });
});
