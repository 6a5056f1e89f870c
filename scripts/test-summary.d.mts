export interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

export interface PlaywrightReport {
  stats: { expected: number; unexpected: number; flaky: number; skipped: number };
}

export function summarize(input: { unit?: VitestReport; e2e?: PlaywrightReport; steps: Record<string, boolean> }): {
  passed: number;
  failed: number;
  skipped: number;
  broken: string[];
  lines: string[];
  exitCode: number;
};
