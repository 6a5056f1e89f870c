import { describe, expect, it } from "vitest";
import { logLine, utcTimestamp } from "../../../agent/log-line";

describe("the shim's log line", () => {
  it("stamps the time exactly as toISOString does", () => {
    const samples = [
      0,
      Date.UTC(2026, 11, 4, 10, 4, 20, 253),
      Date.UTC(1999, 11, 31, 23, 59, 59, 999),
      Date.UTC(2028, 1, 29, 0, 0, 0, 7),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      new Date("0010-01-01T00:00:00.000Z").getTime(),
    ];
    // And a spread of times over a century, at odd milliseconds.
    for (let t = Date.UTC(1970, 0, 1); t < Date.UTC(2070, 0, 1); t += 86_400_000 * 37 + 3_601_013) samples.push(t);
    for (const t of samples) expect(utcTimestamp(new Date(t))).toBe(new Date(t).toISOString());
  });

  it("names the level and ends with a newline", () => {
    expect(logLine("warn", "cannot re-read the token file", new Date(Date.UTC(2026, 11, 4, 9, 5, 6, 70)))).toBe(
      "2026-12-04T09:05:06.070Z scion-agent warn: cannot re-read the token file\n",
    );
  });
});
