import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { HubRuntime } from "../runtime/hub-runtime";
import { reachableStateDir } from "../runtime/reachable-state-dir";
import { sealSecret } from "./secret-box";

export const LOCAL_BROKER_SLUG = "local";

/**
 * Single-node mode: the hub registers the broker that runs on its own machine without a join
 * token, and writes that broker's credentials (0600) into `<data dir>/broker` (or, as root with a
 * data directory others cannot reach, `broker/` of the reachable state directory, since its
 * agents run as users of their own), where the local broker process finds them. A restart reuses the same broker and secret.
 */
export async function provisionLocalBroker(runtime: HubRuntime): Promise<{ brokerId: string; dataDir: string }> {
  const dataDir = path.join(reachableStateDir(runtime.config.dataDirPath), "broker");
  const file = path.join(dataDir, "broker-credentials.json");
  const existing = await runtime.prisma.runtimeBroker.findUnique({
    where: { slug: LOCAL_BROKER_SLUG },
    include: { secrets: { where: { status: "active" } } },
  });
  if (existing && existing.secrets.length > 0 && fs.existsSync(file)) return { brokerId: existing.id, dataDir };

  const secret = crypto.randomBytes(32).toString("base64url");
  const brokerId = await runtime.prisma.$transaction(async (tx) => {
    const broker =
      existing ??
      (await tx.runtimeBroker.create({
        data: {
          name: "Local broker",
          slug: LOCAL_BROKER_SLUG,
          hostname: "localhost",
          status: "offline",
          capabilities: { runtimes: ["local"], harnesses: ["shell", "generic"] },
        },
      }));
    await tx.brokerSecret.updateMany({
      where: { brokerId: broker.id, status: "active" },
      data: { status: "revoked", rotatedAt: new Date() },
    });
    await tx.brokerSecret.create({ data: { brokerId: broker.id, secret: sealSecret(runtime.sessionSecret, secret) } });
    return broker.id;
  });
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify({ brokerId, secret, joinedAt: new Date().toISOString() }, null, 2), {
    mode: 0o600,
  });
  fs.renameSync(tmp, file);
  runtime.logger.info({ brokerId }, "provisioned the local broker");
  return { brokerId, dataDir };
}
