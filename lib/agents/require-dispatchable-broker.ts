import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";

/**
 * Guards every operation that needs a runtime broker (start, stop, restart, messages,
 * reset-auth, terminal). No online broker that could take the agent is `no_runtime_broker`
 * (422). Brokers register, but this hub cannot yet reach one over a control channel (the broker
 * milestone), so an online broker still answers `broker_unavailable` (503); nothing is written.
 */
export async function requireDispatchableBroker(runtime: HubRuntime, brokerId: string | null | undefined): Promise<never> {
  const online = await runtime.prisma.runtimeBroker.findFirst({
    where: { status: "online", ...(brokerId && { id: brokerId }) },
    select: { id: true },
  });
  if (!online) {
    throw new ApiError("no_runtime_broker", brokerId ? "The agent's runtime broker is not online." : "No runtime broker is online to take this agent.");
  }
  throw new ApiError("broker_unavailable", "The runtime broker cannot be reached from this hub.");
}
