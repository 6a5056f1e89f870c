import type { HubRuntime } from "../runtime/hub-runtime";

/**
 * Runs the notifier and then the deliverer now, on this replica, instead of at their next tick:
 * a person hears of an agent's message in milliseconds, not a second. Best effort: if another
 * replica holds the jobs (or a tick is running), the interval catches the event.
 */
export function nudgeNotifier(runtime: HubRuntime): void {
  const { scheduler } = runtime;
  if (!scheduler) return;
  void scheduler
    .runNow("notifier")
    .then(() => scheduler.runNow("notification-delivery"))
    .catch(() => undefined);
}
