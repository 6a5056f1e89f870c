import type { IncomingMessage } from "node:http";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { MAX_SKEW_S, readBrokerHeaders, verifyBrokerSignature } from "./hmac";
import { openSecret } from "./secret-box";

/**
 * The broker behind a signed request: headers present, broker known with an active secret,
 * signature and clock skew good, and the nonce never seen before on any replica (it is stored
 * for twice the allowed skew). Every failure is the same 401, so a prober learns nothing.
 */
export async function authenticateBrokerRequest(
  prisma: PrismaClient,
  rootSecret: string,
  req: IncomingMessage,
  body: Buffer = Buffer.alloc(0),
): Promise<string> {
  const refuse = () => new ApiError("unauthorized", "The broker signature did not verify.");
  const claimed = readBrokerHeaders(req.headers);
  if (!claimed || !/^[0-9a-f-]{36}$/i.test(claimed.brokerId)) throw refuse();
  const row = await prisma.brokerSecret.findFirst({
    where: { brokerId: claimed.brokerId.toLowerCase(), status: "active" },
    orderBy: { createdAt: "desc" },
  });
  if (!row) throw refuse();
  const url = new URL(req.url ?? "/", "http://hub");
  const check = verifyBrokerSignature(
    { method: req.method ?? "GET", path: url.pathname, query: url.search.replace(/^\?/, ""), body },
    claimed,
    openSecret(rootSecret, row.secret),
  );
  if (!check.ok) throw refuse();
  const inserted = await prisma.$executeRaw`
    INSERT INTO broker_nonces (nonce, "brokerId", "expiresAt")
    VALUES (${check.nonce}, ${row.brokerId}::uuid, now() + make_interval(secs => ${MAX_SKEW_S * 2}))
    ON CONFLICT (nonce) DO NOTHING`;
  if (inserted !== 1) throw refuse();
  // Opportunistic cleanup keeps the table at a few minutes of traffic.
  void prisma.brokerNonce.deleteMany({ where: { expiresAt: { lt: new Date() } } }).catch(() => undefined);
  return row.brokerId;
}
