import { z } from "zod";
import { NOTIFICATION_KINDS } from "./record-notification-event";

export const CHANNEL_TYPES = ["webhook", "email"] as const;

export const createChannelBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    type: z.enum(CHANNEL_TYPES),
    url: z.string().trim().max(2000).optional(),
    address: z.email({ error: "an email address" }).max(320).optional(),
  })
  .strict()
  .refine((b) => b.type !== "webhook" || (b.url !== undefined && b.address === undefined), {
    error: "a webhook channel takes a url (and no address)",
    path: ["url"],
  })
  .refine((b) => b.type !== "email" || (b.address !== undefined && b.url === undefined), {
    error: "an email channel takes an address (and no url)",
    path: ["address"],
  });
export type CreateChannelBody = z.output<typeof createChannelBody>;

export const channelSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  type: z.enum(CHANNEL_TYPES),
  url: z.string().nullable(),
  address: z.string().nullable(),
  enabled: z.boolean(),
  disabledReason: z.string().nullable(),
  consecutiveFailures: z.number().int(),
  lastDeliveryAt: z.iso.datetime().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export type ChannelJson = z.infer<typeof channelSchema>;

/** POST /notification-channels answers the channel and, for a webhook, its signing secret (this once). */
export const createdChannelSchema = channelSchema.extend({ secret: z.string().optional() });

export const channelTestSchema = z.object({
  ok: z.boolean(),
  status: z.number().int().optional(),
  error: z.string().optional(),
});
export type ChannelTestResult = z.infer<typeof channelTestSchema>;

export const SUBSCRIPTION_SCOPES = ["mine", "project", "agent"] as const;

export const subscriptionSchema = z
  .object({
    scope: z.enum(SUBSCRIPTION_SCOPES),
    targetId: z.uuid().nullish(),
    events: z
      .array(z.enum(NOTIFICATION_KINDS))
      .min(1)
      .refine((e) => new Set(e).size === e.length, { error: "each event once" }),
  })
  .strict()
  .refine((s) => (s.scope === "mine") === !s.targetId, {
    error: "mine takes no targetId; project and agent need one",
    path: ["targetId"],
  });
export const subscriptionsBody = z.object({ items: z.array(subscriptionSchema).max(100) }).strict();
export type Subscription = z.output<typeof subscriptionSchema>;
export const subscriptionsSchema = z.object({
  items: z.array(
    z.object({ scope: z.enum(SUBSCRIPTION_SCOPES), targetId: z.uuid().nullable(), events: z.array(z.string()) }),
  ),
  /** False while the person has never saved theirs: the items are the hub's default. */
  saved: z.boolean(),
});

/** What a person hears about until they choose: their own agents waiting for input, failing, or messaging them. */
export const DEFAULT_SUBSCRIPTIONS = [
  { scope: "mine" as const, targetId: null, events: ["waiting_for_input", "error", "message"] },
];
