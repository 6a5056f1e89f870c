import type { HubRuntime } from "../runtime/hub-runtime";

/**
 * Runs the notifier and then the deliverer now, on this replica, instead of at their next tick:
 * a person hears of an agent's message in milliseconds, not seconds. Each runs twice: a tick
 * already under way when the event committed may have looked before it (runNow then returns that
 * tick), and the second run, started after, sees it. Best effort: if another replica holds the
 * jobs, their interval catches the event.
 */
export function nudgeNotifier(runtime: HubRuntime): void {
  const { scheduler } = runtime;
  if (!scheduler) return;
  const twice = async (job: string) => {
    await scheduler.runNow(job);
    await scheduler.runNow(job);
  };
  void twice("notifier")
    .then(() => twice("notification-delivery"))
    .catch(() => undefined);
}
