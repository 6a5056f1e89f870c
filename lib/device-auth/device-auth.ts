import crypto from "node:crypto";
import { recordAudit } from "../audit/record-audit";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { createApiToken, type CreatedApiToken } from "../tokens/create-api-token";
import { digestsEqual, hashToken } from "../tokens/hash-token";
import {
  DEVICE_CODE_TTL_SECONDS,
  DEVICE_POLL_INTERVAL_SECONDS,
  DEVICE_TOKEN_DAYS,
  USER_CODE_ALPHABET,
  type DeviceAuthJson,
  type StartDeviceAuthBody,
} from "./schemas";

/**
 * The device-style sign-in of the command line (the flow of RFC 8628, with this API's envelope):
 * 1. the CLI asks for a code pair: a long random device code it keeps, and a short user code it
 *    shows with the URL of the hub's /device page;
 * 2. a signed-in person enters the user code there and approves it;
 * 3. the CLI, polling with the device code, receives a user API token, once.
 * Only SHA-256 digests of both codes are stored (a database reader cannot finish a sign-in), the
 * device code is compared in constant time, codes expire after 10 minutes, and consuming the
 * approval is a conditional write, so two polls racing on two replicas mint one token.
 */
export async function startDeviceAuth(
  prisma: PrismaClient,
  publicUrl: string,
  body: StartDeviceAuthBody,
): Promise<DeviceAuthJson> {
  const deviceCode = crypto.randomBytes(32).toString("base64url");
  const userCode = randomUserCode();
  await prisma.deviceAuthorization.create({
    data: {
      deviceCodeHash: hashToken(deviceCode),
      userCodeHash: hashToken(userCode),
      clientName: body.clientName,
      expiresAt: new Date(Date.now() + DEVICE_CODE_TTL_SECONDS * 1000),
    },
  });
  // Expired rows are of no use to anyone: each new sign-in sweeps them (bounded, cheap with the index).
  await prisma.deviceAuthorization.deleteMany({ where: { expiresAt: { lt: new Date(Date.now() - 3_600_000) } } });
  const shown = `${userCode.slice(0, 4)}-${userCode.slice(4)}`;
  return {
    deviceCode,
    userCode: shown,
    verificationUri: `${publicUrl}/device`,
    verificationUriComplete: `${publicUrl}/device?code=${shown}`,
    interval: DEVICE_POLL_INTERVAL_SECONDS,
    expiresIn: DEVICE_CODE_TTL_SECONDS,
  };
}

/** A signed-in person approves a user code: the CLI that holds its device code may now get a token for them. */
export async function approveDeviceAuth(
  prisma: PrismaClient,
  userId: string,
  userCode: string,
  requestId?: string,
): Promise<{ approved: true; clientName: string }> {
  const row = await prisma.deviceAuthorization.findUnique({ where: { userCodeHash: hashToken(userCode) } });
  if (!row || row.expiresAt <= new Date() || row.consumedAt)
    throw new ApiError("not_found", "No sign-in is waiting for this code; it may have expired. Run scion login again.");
  const updated = await prisma.deviceAuthorization.updateMany({
    where: { id: row.id, approvedAt: null, consumedAt: null },
    data: { approvedAt: new Date(), userId },
  });
  if (updated.count === 0) throw new ApiError("conflict", "This code was already approved.");
  await recordAudit(prisma, {
    principal: `user:${userId}`,
    action: "device_auth.approve",
    targetType: "device_authorization",
    targetId: row.id,
    details: { clientName: row.clientName },
    requestId,
  });
  return { approved: true, clientName: row.clientName };
}

/**
 * The CLI's poll: 428 `authorization_pending` until approved, 429 `slow_down` when polled faster
 * than the interval, 400 `expired_token` for an expired, used or unknown code; once approved, a
 * user API token for the approver (a row like any other token: listed, revocable).
 */
export async function pollDeviceAuth(
  prisma: PrismaClient,
  rootSecret: string,
  deviceCode: string,
  requestId?: string,
): Promise<CreatedApiToken> {
  const digest = hashToken(deviceCode);
  const row = await prisma.deviceAuthorization.findUnique({ where: { deviceCodeHash: digest } });
  const gone = () => new ApiError("expired_token", "This sign-in expired or was already used; run scion login again.");
  if (!row || !digestsEqual(row.deviceCodeHash, digest) || row.consumedAt || row.expiresAt <= new Date()) throw gone();
  if (!row.approvedAt || !row.userId) {
    const now = new Date();
    const tooSoon = new Date(now.getTime() - (DEVICE_POLL_INTERVAL_SECONDS * 1000) / 2);
    const polled = await prisma.deviceAuthorization.updateMany({
      where: { id: row.id, OR: [{ lastPolledAt: null }, { lastPolledAt: { lt: tooSoon } }] },
      data: { lastPolledAt: now },
    });
    if (polled.count === 0)
      throw new ApiError("slow_down", `Poll at most every ${DEVICE_POLL_INTERVAL_SECONDS} seconds.`, undefined, {
        "retry-after": String(DEVICE_POLL_INTERVAL_SECONDS),
      });
    throw new ApiError("authorization_pending", "Waiting for someone to approve the code in the dashboard.");
  }
  const claimed = await prisma.deviceAuthorization.updateMany({
    where: { id: row.id, consumedAt: null },
    data: { consumedAt: new Date() },
  });
  if (claimed.count === 0) throw gone();
  return createApiToken(
    prisma,
    rootSecret,
    row.userId,
    { name: row.clientName, expiresInDays: DEVICE_TOKEN_DAYS },
    requestId,
  );
}

function randomUserCode(): string {
  let code = "";
  for (let i = 0; i < 8; i++) code += USER_CODE_ALPHABET[crypto.randomInt(USER_CODE_ALPHABET.length)];
  return code;
}
