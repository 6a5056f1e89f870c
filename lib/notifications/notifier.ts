import type { NotificationEvent, NotificationChannel } from "../db/generated/client";
import type { HubRuntime } from "../runtime/hub-runtime";
import { sendToChannel } from "./channels";
import { DEFAULT_SUBSCRIPTIONS } from "./schemas";

/** Events turned into deliveries per tick; deliveries attempted per tick. */
const EVENT_BATCH = 100;
const DELIVERY_BATCH = 20;
/** A delivery claimed longer ago than this belongs to a replica that died mid-send: it is sent again. */
const CLAIM_TIMEOUT_MS = 60_000;
/** Attempts of one delivery, and failed attempts in a row after which a channel is disabled. */
const MAX_ATTEMPTS = 6;
const DISABLE_AFTER_FAILURES = 5;
/** Delays before the 2nd, 3rd… attempts, as multiples of notifications.retryBaseMs (5 s: 5 s … 1 h). */
const BACKOFF = [1, 6, 24, 120, 720];

type Candidate = { userId: string; events: string[] };

/**
 * The kinds an event counts as for subscriptions: its own, and `message` for an agent's ask
 * (recorded once, as waiting_for_input with the question), so a person subscribed to either
 * hears of an ask, once.
 */
function kindsOf(event: NotificationEvent): string[] {
  const data = (event.data ?? {}) as { messageKind?: unknown };
  return data.messageKind === "ask" ? [event.kind, "message"] : [event.kind];
}

/**
 * Who hears of an event: people whose subscriptions (or, never saved, the default: their own
 * agents) match it and who may see the agent now (its owner, admins, members and the creator of
 * its project); suspended people hear nothing.
 */
async function recipientsOf(runtime: HubRuntime, event: NotificationEvent): Promise<string[]> {
  const { prisma } = runtime;
  const kinds = kindsOf(event);
  const ownerUserId = event.ownerId.startsWith("user:") ? event.ownerId.slice(5) : null;
  const subs = await prisma.notificationSubscription.findMany({
    where: {
      OR: [
        ...(ownerUserId ? [{ scope: "mine", userId: ownerUserId }] : []),
        { scope: "agent", targetId: event.agentId },
        { scope: "project", targetId: event.projectId },
      ],
    },
    select: { userId: true, events: true },
  });
  const candidates: Candidate[] = subs;
  if (ownerUserId) {
    const owner = await prisma.user.findUnique({ where: { id: ownerUserId }, select: { preferences: true } });
    const saved = (owner?.preferences as Record<string, unknown> | null)?.subscriptionsSaved === true;
    if (owner && !saved)
      candidates.push(...DEFAULT_SUBSCRIPTIONS.map((s) => ({ userId: ownerUserId, events: s.events })));
  }
  const wanted = [...new Set(candidates.filter((c) => c.events.some((k) => kinds.includes(k))).map((c) => c.userId))];
  if (wanted.length === 0) return [];
  const [users, project] = await Promise.all([
    prisma.user.findMany({ where: { id: { in: wanted }, status: "active" }, select: { id: true, role: true } }),
    prisma.project.findUnique({
      where: { id: event.projectId },
      select: { createdById: true, members: { where: { userId: { in: wanted } }, select: { userId: true } } },
    }),
  ]);
  const members = new Set(project?.members.map((m) => m.userId));
  return users
    .filter((u) => u.role === "admin" || u.id === ownerUserId || u.id === project?.createdById || members.has(u.id))
    .map((u) => u.id);
}

/**
 * The notifier (a singleton job): takes unprocessed notification events oldest first and, for
 * each, in one transaction, writes a delivery per enabled channel of each person who hears of
 * it (idempotency key `<event>:<channel>`, unique, so a repeat writes nothing) and marks the
 * event processed. After the commit it tells each person's dashboard (`notification.<user>.created`,
 * the in-app channel and the browser notification). Returns how many events it processed.
 */
export async function processNotificationEvents(runtime: HubRuntime): Promise<number> {
  const { prisma } = runtime;
  const events = await prisma.notificationEvent.findMany({
    where: { processedAt: null },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: EVENT_BATCH,
  });
  for (const event of events) {
    const recipients = await recipientsOf(runtime, event);
    const channels = recipients.length
      ? await prisma.notificationChannel.findMany({ where: { userId: { in: recipients }, enabled: true } })
      : [];
    await prisma.$transaction(async (tx) => {
      if (channels.length)
        await tx.notificationDelivery.createMany({
          data: channels.map((c) => ({
            eventId: event.id,
            channelId: c.id,
            userId: c.userId,
            idempotencyKey: `${event.id}:${c.id}`,
          })),
          skipDuplicates: true,
        });
      await tx.notificationEvent.update({ where: { id: event.id }, data: { processedAt: new Date() } });
    });
    for (const userId of recipients)
      await runtime.events
        .publish({
          subject: `notification.${userId}.created`,
          data: {
            userId,
            eventId: event.id,
            kind: event.kind,
            summary: event.summary,
            agentId: event.agentId,
            agentName: event.agentName,
          },
        })
        .catch(() => undefined);
  }
  return events.length;
}

/** The JSON a webhook receives (`text` is what Slack shows). */
function webhookBody(
  runtime: HubRuntime,
  event: NotificationEvent,
  message: { id: string; kind: string | null; body: string } | null,
) {
  const base = runtime.config.publicUrl ?? runtime.config.internalUrl ?? "";
  const agentUrl = `${base}/agents/${event.agentId}`;
  return JSON.stringify({
    text: `${event.summary} <${agentUrl}|open>`,
    kind: event.kind,
    summary: event.summary,
    agent: { id: event.agentId, name: event.agentName, url: agentUrl },
    event: { id: event.id, createdAt: event.createdAt.toISOString() },
    ...(message && { message: { id: message.id, kind: message.kind, body: message.body } }),
  });
}

/**
 * The deliverer (a singleton job): claims due deliveries (pending and due, or claimed by a
 * replica that died mid-send), attempts each once, and records the outcome: sent; or a retry
 * after a growing delay; or, out of attempts, failed. A channel failing DISABLE_AFTER_FAILURES
 * times in a row is disabled with the reason (shown on the settings page) and its waiting
 * deliveries fail; a success resets its count. At least once: a replica killed after sending but
 * before recording sends again, with the same idempotency key. Returns how many it attempted.
 */
export async function drainDeliveries(runtime: HubRuntime): Promise<number> {
  const { prisma } = runtime;
  const claimed = await prisma.$queryRaw<Array<{ id: string }>>`
    UPDATE notification_deliveries SET state = 'sending', "claimedBy" = ${runtime.hubId}, "claimedAt" = now(),
      attempts = attempts + 1
    WHERE id IN (
      SELECT id FROM notification_deliveries
      WHERE (state = 'pending' AND "nextAttemptAt" <= now())
         OR (state = 'sending' AND "claimedAt" < now() - (${CLAIM_TIMEOUT_MS}::int * interval '1 millisecond'))
      ORDER BY "nextAttemptAt" LIMIT ${DELIVERY_BATCH} FOR UPDATE SKIP LOCKED)
    RETURNING id`;
  for (const { id } of claimed) {
    const delivery = await prisma.notificationDelivery.findUnique({
      where: { id },
      include: { event: true, channel: true },
    });
    if (!delivery) continue;
    await attempt(runtime, delivery, delivery.event, delivery.channel);
  }
  return claimed.length;
}

async function attempt(
  runtime: HubRuntime,
  delivery: { id: string; attempts: number; idempotencyKey: string },
  event: NotificationEvent,
  channel: NotificationChannel,
): Promise<void> {
  const { prisma } = runtime;
  if (!channel.enabled) {
    await prisma.notificationDelivery.update({
      where: { id: delivery.id },
      data: { state: "failed", lastError: `the channel is disabled: ${channel.disabledReason ?? "by its owner"}` },
    });
    return;
  }
  const message = event.messageId
    ? await prisma.message.findUnique({ where: { id: event.messageId }, select: { id: true, kind: true, body: true } })
    : null;
  const base = runtime.config.publicUrl ?? runtime.config.internalUrl ?? "";
  const result = await sendToChannel(runtime, channel, {
    subject: event.summary,
    text: `${event.summary}\n\n${message ? `${message.body}\n\n` : ""}Open the agent: ${base}/agents/${event.agentId}\n`,
    body: webhookBody(runtime, event, message),
    idempotencyKey: delivery.idempotencyKey,
  });
  if (result.ok) {
    await prisma.$transaction([
      prisma.notificationDelivery.update({
        where: { id: delivery.id },
        data: { state: "sent", sentAt: new Date(), lastError: null },
      }),
      prisma.notificationChannel.update({
        where: { id: channel.id },
        data: { consecutiveFailures: 0, lastDeliveryAt: new Date(), lastError: null },
      }),
    ]);
    return;
  }
  const failures = channel.consecutiveFailures + 1;
  const disable = failures >= DISABLE_AFTER_FAILURES;
  const retryIn = BACKOFF[delivery.attempts - 1];
  const giveUp = disable || delivery.attempts >= MAX_ATTEMPTS || retryIn === undefined;
  runtime.logger.warn(
    { channelId: channel.id, deliveryId: delivery.id, attempt: delivery.attempts, error: result.error },
    giveUp ? "a notification could not be delivered" : "a notification delivery failed; it will be retried",
  );
  await prisma.$transaction(async (tx) => {
    await tx.notificationDelivery.update({
      where: { id: delivery.id },
      data: giveUp
        ? { state: "failed", lastError: result.error }
        : {
            state: "pending",
            lastError: result.error,
            nextAttemptAt: new Date(Date.now() + retryIn! * runtime.config.notifications.retryBaseMs),
          },
    });
    await tx.notificationChannel.update({
      where: { id: channel.id },
      data: {
        consecutiveFailures: failures,
        lastError: result.error,
        ...(disable && {
          enabled: false,
          disabledReason: `Disabled after ${failures} failed deliveries in a row; the last: ${result.error}`,
        }),
      },
    });
    if (disable)
      await tx.notificationDelivery.updateMany({
        where: { channelId: channel.id, state: "pending" },
        data: { state: "failed", lastError: "the channel was disabled after repeated failures" },
      });
  });
}
