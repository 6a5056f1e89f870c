import type { EventBus } from "../events/event-bus";
import type { AgentJson } from "./schemas";

export type AgentEventKind = "created" | "status" | "deleted";

/** Announces an agent change on `agent.<id>.<kind>` and `project.<projectId>.agent.<kind>`. */
export async function publishAgentEvent(events: EventBus, kind: AgentEventKind, agent: AgentJson): Promise<void> {
  await events.publish({ subject: `agent.${agent.id}.${kind}`, data: agent });
  await events.publish({ subject: `project.${agent.projectId}.agent.${kind}`, data: agent });
}
