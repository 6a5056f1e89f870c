import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import { z } from "zod";
import { authenticateBrokerRequest } from "../brokers/authenticate-broker-request";
import { TUNNEL_SWITCHED } from "../brokers/channel/protocol";
import { readBrokerHeaders } from "../brokers/hmac";
import { ApiError } from "../http/api-error";
import { joinSockets } from "../net/join-sockets";
import { rejectUpgrade } from "../http/reject-upgrade";
import type { HubRuntime } from "../runtime/hub-runtime";
import { replicaHolding } from "./accept-terminal";

/** Marks a tunnel one replica passed on to another, which never passes it on again. */
const FORWARDED_HEADER = "x-scion-tunnel-forwarded";

const tunnelStream = z.coerce
  .number()
  .int()
  .min(1)
  .max(2 ** 32 - 1);

/**
 * GET TUNNEL_PATH?stream=N (lib/brokers/channel/protocol.ts): a broker dialing the tunnel of a
 * terminal it was asked to open. Signed like its control channel; only a stream on the channel
 * this replica holds for that very broker is joined (lib/terminal/accept-terminal.ts), anything
 * else is refused. A load balancer in front of the replicas may bring the tunnel to a replica
 * that does not hold the broker's channel: that one passes it, once, to the replica that does,
 * which checks the signature (a nonce is good once, so only the replica that joins it checks).
 */
export async function acceptTerminalTunnel(
  runtime: HubRuntime,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const claimed = readBrokerHeaders(req.headers)?.brokerId.toLowerCase();
  if (claimed && /^[0-9a-f-]{36}$/.test(claimed) && !runtime.brokers.has(claimed) && !req.headers[FORWARDED_HEADER])
    return forwardTunnel(runtime, req, socket, head, claimed);
  let brokerId: string;
  try {
    brokerId = await authenticateBrokerRequest(runtime.prisma, runtime.sessionSecret, req);
  } catch (err) {
    if (!(err instanceof ApiError)) runtime.logger.error({ err }, "checking a terminal tunnel's signature failed");
    runtime.logger.warn({ remote: req.socket.remoteAddress }, "refused a terminal tunnel");
    return rejectUpgrade(socket, 401, "Unauthorized");
  }
  const stream = tunnelStream.safeParse(new URL(req.url ?? "/", "http://x").searchParams.get("stream"));
  const terminal = stream.success ? runtime.brokers.get(brokerId)?.terminals.get(stream.data) : undefined;
  if (!terminal) return rejectUpgrade(socket, 404, "Not Found");
  terminal.join(socket, head);
}

/** The tunnel passed on to the replica holding the broker, and joined to its answer byte for byte. */
async function forwardTunnel(
  runtime: HubRuntime,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  brokerId: string,
): Promise<void> {
  let ownerUrl: string;
  try {
    ownerUrl = await replicaHolding(runtime, brokerId);
  } catch {
    return rejectUpgrade(socket, 404, "Not Found");
  }
  const url = new URL(req.url ?? "/", ownerUrl);
  const request = (url.protocol === "https:" ? https : http).request(url, {
    headers: { ...req.headers, host: url.host, [FORWARDED_HEADER]: "1" },
    timeout: 10_000,
  });
  request.once("upgrade", (_res, upstream: Duplex, upstreamHead: Buffer) => {
    request.setTimeout(0);
    socket.write(TUNNEL_SWITCHED);
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (head.length > 0) upstream.write(head);
    joinSockets(socket, upstream, () => {
      socket.destroy();
      upstream.destroy();
    });
  });
  request.once("response", (res: IncomingMessage) => {
    res.resume();
    rejectUpgrade(socket, res.statusCode ?? 502, res.statusMessage ?? "Refused");
  });
  request.once("timeout", () => request.destroy(new Error("the replica holding the broker did not answer")));
  request.once("error", (err) => {
    runtime.logger.warn({ brokerId, err: err.message }, "passing a terminal tunnel on failed");
    rejectUpgrade(socket, 502, "Bad Gateway");
  });
  request.end();
}
