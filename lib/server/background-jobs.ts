import { sweepAgentLimits } from "../agents/enforce-agent-limits";
import { pruneAgentHistory } from "../agents/prune-agent-history";
import { sweepAgentLiveness } from "../agents/sweep-agent-liveness";
import { purgeOldMessages, reapStuckDispatches, sweepPendingMessages, sweepStaleAffinity } from "../dispatch/sweeps";
import { sweepEventPayloads } from "../events/postgres-event-bus";
import { drainDeliveries, processNotificationEvents } from "../notifications/notifier";
import type { HubRuntime } from "../runtime/hub-runtime";
import { runDueSchedules } from "../schedules/run-schedules";
import type { ScheduledJob } from "../runtime/scheduler";

/** The hub's background jobs, each a singleton across replicas (lock keys are ours, 7270xxxx). */
export function backgroundJobs(runtime: HubRuntime): ScheduledJob[] {
  return [
    { name: "agent-liveness", lockKey: 72700001, intervalMs: 30_000, run: () => sweepAgentLiveness(runtime) },
    {
      name: "event-payload-sweep",
      lockKey: 72700002,
      intervalMs: 60_000,
      run: () => sweepEventPayloads(runtime.db.pool),
    },
    { name: "stale-affinity", lockKey: 72700003, intervalMs: 30_000, run: () => sweepStaleAffinity(runtime) },
    { name: "stuck-dispatch-reaper", lockKey: 72700004, intervalMs: 15_000, run: () => reapStuckDispatches(runtime) },
    { name: "pending-message-sweep", lockKey: 72700005, intervalMs: 30_000, run: () => sweepPendingMessages(runtime) },
    { name: "agent-limits", lockKey: 72700007, intervalMs: 30_000, run: () => sweepAgentLimits(runtime) },
    { name: "message-purge", lockKey: 72700006, intervalMs: 6 * 60 * 60_000, run: () => purgeOldMessages(runtime) },
    {
      name: "history-retention",
      lockKey: 72700011,
      intervalMs: 60 * 60_000,
      run: () => pruneAgentHistory(runtime.db.pool, runtime.config.historyRetentionDays),
    },
    // Notifications (issue 14): events become deliveries, deliveries are sent; each once at a time hub-wide.
    { name: "notifier", lockKey: 72700008, intervalMs: 2_000, run: () => processNotificationEvents(runtime) },
    { name: "notification-delivery", lockKey: 72700009, intervalMs: 2_000, run: () => drainDeliveries(runtime) },
    // Schedules (issue 14): each due tick runs once (the run row is the guarantee, the lock saves work).
    { name: "schedules", lockKey: 72700010, intervalMs: 2_000, run: () => runDueSchedules(runtime) },
  ];
}
