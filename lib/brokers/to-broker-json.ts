import type { RuntimeBroker } from "../db/generated/client";
import type { BrokerJson } from "./schemas";

export function toBrokerJson(
  b: RuntimeBroker,
  agentCount: number,
  usage: { running: number; ports: number } = { running: 0, ports: 0 },
): BrokerJson {
  return {
    id: b.id,
    name: b.name,
    slug: b.slug,
    hostname: b.hostname,
    status: b.status,
    capabilities: (b.capabilities ?? {}) as Record<string, unknown>,
    version: b.brokerVersion,
    lastHeartbeat: b.lastHeartbeat?.toISOString() ?? null,
    connectedAt: b.connectedAt?.toISOString() ?? null,
    portRange: `${b.portRangeStart}-${b.portRangeEnd}`,
    portsPerAgent: b.portsPerAgent,
    hostUrl: b.hostUrl,
    agentCount,
    runningAgents: usage.running,
    portsInUse: usage.ports,
    createdAt: b.createdAt.toISOString(),
  };
}
