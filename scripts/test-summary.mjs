// The closing figures of `npm test`, from Vitest's and Playwright's JSON reports and whether each
// step exited 0. A Playwright test that failed and then passed on a retry ("flaky") counts as
// failed: a retry may gather evidence, never hide a failure.

/**
 * @param {{ unit?: any, e2e?: any, steps: Record<string, boolean> }} input
 * @returns {{ passed: number, failed: number, skipped: number, broken: string[], lines: string[], exitCode: number }}
 */
export function summarize({ unit, e2e, steps }) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  if (unit) {
    passed += unit.numPassedTests;
    failed += unit.numFailedTests;
    skipped += unit.numPendingTests + unit.numTodoTests;
  }
  if (e2e) {
    passed += e2e.stats.expected;
    failed += e2e.stats.unexpected + e2e.stats.flaky;
    skipped += e2e.stats.skipped;
  }
  const broken = Object.entries(steps)
    .filter(([, ok]) => !ok)
    .map(([name]) => name);
  if (!unit) broken.push("vitest wrote no results");
  if (!e2e) broken.push("playwright wrote no results");
  const unitLine = unit ? `${unit.numPassedTests} passed, ${unit.numFailedTests} failed` : "no results";
  const e2eLine = e2e
    ? `${e2e.stats.expected} passed, ${e2e.stats.unexpected + e2e.stats.flaky} failed${e2e.stats.flaky ? ` (${e2e.stats.flaky} flaky: passed only on a retry)` : ""}`
    : "no results";
  const lines = [
    `unit: ${unitLine}; e2e: ${e2eLine}${broken.length ? `; failed steps: ${[...new Set(broken)].join(", ")}` : ""}`,
    `Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`,
  ];
  return { passed, failed, skipped, broken, lines, exitCode: broken.length || failed ? 1 : 0 };
}
