import { ApiError } from "../../http/api-error";
import type { HubRuntime } from "../../runtime/hub-runtime";
import { brokerApiError } from "../broker-error";
import type { ChannelRequestError } from "./channel-peer";

/**
 * Sends an operation to a broker over the control channel this replica holds: the last hop of
 * dispatch. Callers that may land on any replica go through lib/dispatch/route-to-broker.ts, which
 * forwards to the replica holding the channel (docs/architecture.md, "Dispatch"); here a broker not
 * held by this replica answers broker_unavailable at once, never a hang.
 */
export async function callBroker(
  runtime: HubRuntime,
  brokerId: string,
  op: string,
  args: unknown,
  timeoutMs?: number,
): Promise<unknown> {
  const connection = runtime.brokers.get(brokerId);
  if (!connection) throw new ApiError("broker_unavailable", "The runtime broker is not connected to this hub.");
  const timer = runtime.metrics.brokerCalls.startTimer({ op });
  try {
    const result = await connection.peer.call(op, args, timeoutMs);
    timer({ outcome: "ok" });
    return result;
  } catch (err) {
    timer({ outcome: isChannelRequestError(err) ? err.code : "error" });
    // By name, not instanceof: the channel was built by server.ts's copy of this module and a
    // route handler runs Next's copy, whose class is a different object.
    if (isChannelRequestError(err)) throw brokerApiError(err.code, err.message);
    throw err;
  }
}

function isChannelRequestError(err: unknown): err is ChannelRequestError {
  return (
    err instanceof Error && err.name === "ChannelRequestError" && typeof (err as { code?: unknown }).code === "string"
  );
}
