import { Cron } from "croner";

/**
 * When a cron expression (5 fields, or 6 with seconds) next fires after `after`, in a time zone
 * (daylight-saving changes included); null when it never does. Throws a sentence for an
 * expression croner cannot read.
 */
export function nextCronRun(expression: string, timeZone: string, after: Date): Date | null {
  let job: Cron;
  try {
    job = new Cron(expression, { timezone: timeZone, paused: true });
  } catch (err) {
    throw new Error(`not a cron expression: ${(err as Error).message}`);
  }
  return job.nextRun(after);
}
