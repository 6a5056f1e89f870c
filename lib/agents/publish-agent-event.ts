import type { EventBus, HubEvent } from "../events/event-bus";
import type { AgentJson } from "./schemas";

export type AgentEventKind = "created" | "status" | "deleted";

/** Announces an agent change on `agent.<id>.<kind>` and `project.<projectId>.agent.<kind>`. */
export async function publishAgentEvent(events: EventBus, kind: AgentEventKind, agent: AgentJson): Promise<void> {
  for (const event of agentEvents(kind, agent)) await events.publish(event);
}

/** The events announcing one agent change, in the order they go out. */
export function agentEvents(kind: AgentEventKind, agent: AgentJson): HubEvent[] {
  return [
    { subject: `agent.${agent.id}.${kind}`, data: agent },
    { subject: `project.${agent.projectId}.agent.${kind}`, data: agent },
  ];
}
