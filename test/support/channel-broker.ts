/**
 * A runtime broker inside the test process: registered and joined on a hub as a real one is, and
 * connected over the real control channel (broker/control-channel-client.ts). It answers the
 * hub's calls with `onRequest`: the broker's own agent operations (broker/agent-operations.ts), or
 * a stand-in that records what reaches it. For a broker as its own process, see broker-process.ts.
 */
import { ControlChannelClient, type ControlChannelOptions } from "../../broker/control-channel-client";
import type { UserIdentity } from "../../lib/auth/principal";
import type { JoinBrokerBody } from "../../lib/brokers/schemas";
import { joinBroker } from "../../lib/brokers/join-broker";
import { registerBroker } from "../../lib/brokers/register-broker";
import type { Hub } from "../../lib/server/start-hub";
import { captureLogger } from "../silent-logger";
import { until } from "../until";

export interface ChannelBrokerOptions extends Pick<ControlChannelOptions, "onRequest" | "heartbeat" | "backoffBaseMs"> {
  /** The admin who registers it. */
  admin: UserIdentity;
  name: string;
  hostname?: string;
  capabilities: JoinBrokerBody["capabilities"];
}

export interface ChannelBroker {
  brokerId: string;
  client: ControlChannelClient;
}

/** Resolves once the hub holds the broker's channel and the database has the broker online. */
export async function connectChannelBroker(hub: Hub, options: ChannelBrokerOptions): Promise<ChannelBroker> {
  const { prisma, sessionSecret } = hub.runtime;
  const reg = await registerBroker(prisma, options.admin, options.name);
  const { brokerId, secret } = await joinBroker(prisma, sessionSecret, {
    joinToken: reg.joinToken,
    hostname: options.hostname ?? "h",
    capabilities: options.capabilities,
  });
  const client = new ControlChannelClient({
    hubUrls: [hub.url],
    brokerId,
    secret,
    logger: captureLogger().logger,
    heartbeat: options.heartbeat,
    onRequest: options.onRequest,
    ...(options.backoffBaseMs !== undefined && { backoffBaseMs: options.backoffBaseMs }),
  });
  client.start();
  await client.waitConnected();
  await until(() => hub.runtime.brokers.has(brokerId), "the broker's channel", 5_000, 20);
  await until(
    async () => (await prisma.runtimeBroker.findUnique({ where: { id: brokerId } }))?.status === "online",
    "the broker online",
  );
  return { brokerId, client };
}
