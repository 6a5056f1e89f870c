/**
 * One line of `npm run bench`'s summary (and of test-results/bench.json): a path of the hub, what
 * was measured on it, the baseline measured in the same run, their ratio, the target and whether
 * the figure meets it.
 */
export interface BenchRow {
  path: string;
  subject: string;
  baseline: string;
  /** subject / baseline in the unit the target compares (throughput or latency); null when the target is absolute. */
  ratio: number | null;
  target: string;
  pass: boolean;
}

/** What a benchmark's run() returns: its summary rows, and any detail worth keeping in the results file. */
export interface BenchResult {
  rows: BenchRow[];
  [detail: string]: unknown;
}

export const round = (x: number, places = 2) => Math.round(x * 10 ** places) / 10 ** places;
