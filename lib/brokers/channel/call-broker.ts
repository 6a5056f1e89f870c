import { ApiError } from "../../http/api-error";
import type { HubRuntime } from "../../runtime/hub-runtime";
import { ChannelRequestError } from "./channel-peer";

/**
 * Sends an operation to a broker over the control channel this replica holds. A broker whose
 * channel another replica holds is unreachable from here until cross-replica dispatch lands;
 * either way the caller gets broker_unavailable, never a hang.
 */
export async function callBroker(runtime: HubRuntime, brokerId: string, op: string, args: unknown, timeoutMs?: number): Promise<unknown> {
  const connection = runtime.brokers.get(brokerId);
  if (!connection) throw new ApiError("broker_unavailable", "The runtime broker is not connected to this hub.");
  try {
    return await connection.peer.call(op, args, timeoutMs);
  } catch (err) {
    if (err instanceof ChannelRequestError) throw new ApiError(err.code === "broker_unavailable" || err.code === "timeout" ? "broker_unavailable" : "conflict", `The broker could not ${op}: ${err.message}`);
    throw err;
  }
}
