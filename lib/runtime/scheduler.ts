import type pg from "pg";
import type { Logger } from "../log/create-logger";

export interface ScheduledJob {
  name: string;
  /** Advisory-lock key: one replica runs the job at a time, however many run the scheduler. */
  lockKey: number;
  intervalMs: number;
  run(): Promise<unknown>;
}

export interface Scheduler {
  /** Runs one job now (tests, admin "run now"); false when another replica holds it. */
  runNow(name: string): Promise<boolean>;
  stop(): Promise<void>;
}

const LOCK_WAIT_MS = 5000;

/**
 * Runs background jobs on an interval, each as a singleton across replicas: a tick takes the
 * job's Postgres advisory lock with pg_try_advisory_lock on its own connection (a busy lock,
 * or a lock that cannot be taken within 5 s, skips the tick rather than running unguarded),
 * runs the job, and unlocks. Ticks never overlap, and stop() waits for a running tick.
 */
export function startScheduler(pool: pg.Pool, logger: Logger, jobs: ScheduledJob[]): Scheduler {
  let stopped = false;
  const running = new Map<string, Promise<boolean>>();
  const timers = jobs.map((job) => {
    const timer = setInterval(() => void tick(job), job.intervalMs);
    timer.unref();
    return timer;
  });

  async function tick(job: ScheduledJob): Promise<boolean> {
    if (stopped) return false;
    const inFlight = running.get(job.name);
    if (inFlight) return inFlight;
    const promise = runLocked(job).finally(() => running.delete(job.name));
    running.set(job.name, promise);
    return promise;
  }

  async function runLocked(job: ScheduledJob): Promise<boolean> {
    let client: pg.PoolClient;
    try {
      client = await withTimeout(pool.connect(), LOCK_WAIT_MS, "no database connection");
    } catch (err) {
      logger.warn({ job: job.name, err: (err as Error).message }, "skipping a background job tick");
      return false;
    }
    let locked = false;
    try {
      const { rows } = await withTimeout(
        client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [job.lockKey]),
        LOCK_WAIT_MS,
        "taking the job lock timed out",
      );
      locked = rows[0]?.ok === true;
      if (!locked) return false;
      await job.run();
      return true;
    } catch (err) {
      logger.warn({ job: job.name, err: (err as Error).message }, "a background job tick failed");
      return false;
    } finally {
      if (locked)
        await withTimeout(
          client.query("SELECT pg_advisory_unlock($1)", [job.lockKey]),
          LOCK_WAIT_MS,
          "unlock timed out",
        ).catch(() => client.release(true));
      client.release();
    }
  }

  return {
    runNow: (name) => {
      const job = jobs.find((j) => j.name === name);
      if (!job) throw new Error(`no background job called ${name}`);
      return tick(job);
    },
    async stop() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled([...running.values()]);
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
  ]).finally(() => clearTimeout(timer));
}
