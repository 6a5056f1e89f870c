import { describe, expect, it } from "vitest";
import { summarize } from "../../../scripts/test-summary.mjs";

const unit = { numPassedTests: 40, numFailedTests: 0, numPendingTests: 1, numTodoTests: 0 };
const e2e = (stats: Partial<{ expected: number; unexpected: number; flaky: number; skipped: number }>) => ({
  stats: { expected: 0, unexpected: 0, flaky: 0, skipped: 0, ...stats },
});
const allOk = { typecheck: true, lint: true, unit: true, e2e: true };

describe("npm test's summary", () => {
  it("passes when everything passed", () => {
    const s = summarize({ unit, e2e: e2e({ expected: 9 }), steps: allOk });
    expect(s.lines.at(-1)).toBe("Tests: 49 passed, 0 failed, 1 skipped");
    expect(s.exitCode).toBe(0);
  });

  it("counts a Playwright test that passed only on a retry as failed, and fails the run", () => {
    // Playwright itself may have exited 0 for it (older configs); the summary must not follow.
    const s = summarize({ unit, e2e: e2e({ expected: 8, flaky: 1 }), steps: allOk });
    expect(s.lines).toEqual([
      "unit: 40 passed, 0 failed; e2e: 8 passed, 1 failed (1 flaky: passed only on a retry)",
      "Tests: 48 passed, 1 failed, 1 skipped",
    ]);
    expect(s.exitCode).toBe(1);
  });

  it("fails the run when a step failed or a runner wrote no results, whatever the counts", () => {
    expect(summarize({ unit, e2e: e2e({ expected: 9 }), steps: { ...allOk, lint: false } })).toMatchObject({
      exitCode: 1,
      broken: ["lint"],
    });
    const missing = summarize({ unit, steps: allOk });
    expect(missing.exitCode).toBe(1);
    expect(missing.lines[0]).toBe(
      "unit: 40 passed, 0 failed; e2e: no results; failed steps: playwright wrote no results",
    );
  });
});
