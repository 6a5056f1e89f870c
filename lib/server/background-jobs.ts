import { sweepAgentLiveness } from "../agents/sweep-agent-liveness";
import { sweepEventPayloads } from "../events/postgres-event-bus";
import type { HubRuntime } from "../runtime/hub-runtime";
import type { ScheduledJob } from "../runtime/scheduler";

/** The hub's background jobs, each a singleton across replicas (lock keys are ours, 7270xxxx). */
export function backgroundJobs(runtime: HubRuntime): ScheduledJob[] {
  return [
    { name: "agent-liveness", lockKey: 72700001, intervalMs: 30_000, run: () => sweepAgentLiveness(runtime) },
    { name: "event-payload-sweep", lockKey: 72700002, intervalMs: 60_000, run: () => sweepEventPayloads(runtime.db.pool) },
  ];
}
