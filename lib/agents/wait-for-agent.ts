import type { EventBus } from "../events/event-bus";
import type { AgentJson } from "./schemas";

export interface AgentWaiter {
  /** Resolves with the agent once `done` holds, or with null after `idleMs` without any news. */
  result: Promise<AgentJson | null>;
  cancel(): void;
}

/**
 * Waits for an agent to settle, watching its status events. The timeout is rolling: every
 * status event of the agent restarts it, so a slow clone that keeps reporting is waited for,
 * and a silent agent is given up on. Subscribe before dispatching, then check the current row
 * with `offer`, so no event can fall between the two.
 */
export function waitForAgent(
  events: EventBus,
  agentId: string,
  done: (agent: AgentJson) => boolean,
  idleMs: number,
): AgentWaiter & { offer(agent: AgentJson): void } {
  let settle!: (value: AgentJson | null) => void;
  const result = new Promise<AgentJson | null>((resolve) => (settle = resolve));
  let timer = setTimeout(() => finish(null), idleMs);
  let finished = false;
  const unsubscribe = events.subscribe([`agent.${agentId}.status`, `agent.${agentId}.deleted`], (delivery) => {
    if (delivery.kind !== "event") return;
    const agent = delivery.event.data as AgentJson;
    if (delivery.event.subject.endsWith(".deleted")) return finish(null);
    if (done(agent)) return finish(agent);
    clearTimeout(timer);
    timer = setTimeout(() => finish(null), idleMs);
  });
  function finish(value: AgentJson | null) {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    unsubscribe();
    settle(value);
  }
  return {
    result,
    cancel: () => finish(null),
    offer: (agent) => {
      if (done(agent)) finish(agent);
    },
  };
}
