import crypto from "node:crypto";
import type { UserIdentity } from "../auth/principal";
import { KEY_LABELS } from "../auth/derive-key";
import { openWith, sealWith } from "../brokers/secret-box";
import type { NotificationChannel } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import { isUuid } from "../naming/is-uuid";
import type { HubRuntime } from "../runtime/hub-runtime";
import type { ChannelJson, ChannelTestResult, CreateChannelBody } from "./schemas";
import { sendEmail, sendWebhook, type SendResult } from "./send";
import { resolveWebhookTarget } from "./webhook-target";

export function toChannelJson(c: NotificationChannel): ChannelJson {
  return {
    id: c.id,
    name: c.name,
    type: c.type === "email" ? "email" : "webhook",
    url: c.url,
    address: c.address,
    enabled: c.enabled,
    disabledReason: c.disabledReason,
    consecutiveFailures: c.consecutiveFailures,
    lastDeliveryAt: c.lastDeliveryAt?.toISOString() ?? null,
    lastError: c.lastError,
    createdAt: c.createdAt.toISOString(),
  };
}

export async function listChannels(runtime: HubRuntime, user: UserIdentity): Promise<{ items: ChannelJson[] }> {
  const rows = await runtime.prisma.notificationChannel.findMany({
    where: { userId: user.id },
    orderBy: { createdAt: "asc" },
  });
  return { items: rows.map(toChannelJson) };
}

/**
 * POST /notification-channels: a webhook (its URL checked: http(s), not internal unless the admin
 * allows private webhooks; a signing secret made and returned this once, sealed at rest) or an
 * email address (422 when the hub has no SMTP server). Names are unique per person (409).
 */
export async function createChannel(
  runtime: HubRuntime,
  user: UserIdentity,
  body: CreateChannelBody,
): Promise<ChannelJson & { secret?: string }> {
  const { notifications } = runtime.config;
  let secret: string | undefined;
  if (body.type === "webhook") {
    try {
      await resolveWebhookTarget(body.url!, notifications.allowPrivateWebhooks);
    } catch (err) {
      throw new ApiError("validation_error", (err as Error).message, [
        { path: "url", message: (err as Error).message },
      ]);
    }
    secret = `whsec_${crypto.randomBytes(24).toString("base64url")}`;
  } else if (!notifications.smtpUrl) {
    throw new ApiError(
      "invalid_reference",
      "Email notifications need an SMTP server: an admin sets SCION_SMTP_URL (and SCION_SMTP_FROM).",
      [{ path: "type", message: "SCION_SMTP_URL is not set" }],
    );
  }
  if (
    await runtime.prisma.notificationChannel.findUnique({
      where: { userId_name: { userId: user.id, name: body.name } },
    })
  )
    throw new ApiError("conflict", `You already have a channel called "${body.name}".`);
  const created = await runtime.prisma.notificationChannel.create({
    data: {
      userId: user.id,
      name: body.name,
      type: body.type,
      url: body.type === "webhook" ? body.url! : null,
      address: body.type === "email" ? body.address! : null,
      secretSealed: secret ? sealWith(runtime.sessionSecret, KEY_LABELS.webhookSecret, secret) : null,
    },
  });
  return { ...toChannelJson(created), ...(secret && { secret }) };
}

async function ownChannel(runtime: HubRuntime, user: UserIdentity, id: string): Promise<NotificationChannel> {
  const channel = isUuid(id) ? await runtime.prisma.notificationChannel.findUnique({ where: { id } }) : null;
  if (!channel || channel.userId !== user.id) throw new ApiError("not_found", "No such notification channel.");
  return channel;
}

export async function deleteChannel(runtime: HubRuntime, user: UserIdentity, id: string): Promise<void> {
  await ownChannel(runtime, user, id);
  await runtime.prisma.notificationChannel.delete({ where: { id } });
}

/** POST /notification-channels/{id}/test: sends a test notification now and says how it went. */
export async function testChannel(runtime: HubRuntime, user: UserIdentity, id: string): Promise<ChannelTestResult> {
  const channel = await ownChannel(runtime, user, id);
  const text = `A test notification from Scion Hub for the channel "${channel.name}".`;
  const key = `test:${channel.id}:${crypto.randomUUID()}`;
  const result = await sendToChannel(runtime, channel, {
    subject: "Scion Hub test notification",
    text,
    body: JSON.stringify({
      text,
      kind: "test",
      summary: text,
      event: { id: key, createdAt: new Date().toISOString() },
    }),
    idempotencyKey: key,
  });
  await runtime.prisma.notificationChannel.update({
    where: { id: channel.id },
    data: result.ok ? { lastDeliveryAt: new Date() } : { lastError: result.error },
  });
  return result.ok
    ? { ok: true, ...(result.status && { status: result.status }) }
    : { ok: false, ...(result.status && { status: result.status }), error: result.error };
}

/** One attempt to reach a channel: the webhook (re-vetted, pinned) or the email. */
export async function sendToChannel(
  runtime: HubRuntime,
  channel: NotificationChannel,
  message: { subject: string; text: string; body: string; idempotencyKey: string },
): Promise<SendResult> {
  const { notifications } = runtime.config;
  if (channel.type === "email")
    return sendEmail(notifications, channel.address ?? "", message.subject, message.text, message.idempotencyKey);
  let target;
  try {
    target = await resolveWebhookTarget(channel.url ?? "", notifications.allowPrivateWebhooks);
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  let secret: string;
  try {
    secret = openWith(runtime.sessionSecret, KEY_LABELS.webhookSecret, channel.secretSealed ?? "");
  } catch {
    return {
      ok: false,
      error: "the channel's signing secret cannot be opened with this hub's key; create the channel again",
    };
  }
  return sendWebhook(target, secret, message.body, message.idempotencyKey);
}
