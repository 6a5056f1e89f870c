import { z } from "zod";
import { pageQuery } from "../http/pagination";

/** Where a message travels (web, slack, schedule…): a lower-case word. */
const channelName = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, { error: "a lower-case word" });

export const sendMessageBody = z
  .object({
    body: z.string().min(1).max(65_536),
    channel: channelName.default("web"),
    threadId: z.string().trim().min(1).max(128).nullish(),
    /** Interrupt the harness's current turn before typing the message (a running agent only). */
    interrupt: z.literal(true).optional(),
    /** The agent's message (say or ask) this answers: the answer keeps its channel and thread. */
    replyTo: z.uuid().optional(),
  })
  .strict();

/** What kind of message an agent sends people: news (`say`) or a question it waits on (`ask`). */
export const MESSAGE_KINDS = ["say", "ask"] as const;

/** POST /agents/{id}/messages with the agent's own token: a message from the agent to its owner. */
export const agentMessageBody = z
  .object({
    body: z.string().trim().min(1).max(16_384),
    kind: z.enum(MESSAGE_KINDS).default("say"),
    channel: channelName.default("web"),
    threadId: z.string().trim().min(1).max(128).nullish(),
  })
  .strict();

export const inboxQuery = pageQuery.extend({ unread: z.enum(["true", "false"]).optional() });

export const inboxItemSchema = z.object({
  id: z.uuid(),
  agentId: z.uuid(),
  agentName: z.string(),
  kind: z.enum(MESSAGE_KINDS),
  body: z.string(),
  channel: z.string(),
  threadId: z.string().nullable(),
  createdAt: z.iso.datetime(),
  readAt: z.iso.datetime().nullable(),
});
export type InboxItem = z.infer<typeof inboxItemSchema>;
export const inboxSchema = z.object({
  items: z.array(inboxItemSchema),
  unread: z.number().int(),
  nextCursor: z.string().nullable(),
});

export const listMessagesQuery = pageQuery.extend({ order: z.enum(["asc", "desc"]).default("desc") });

export type MessageJson = {
  id: string;
  agentId: string;
  channel: string;
  threadId: string | null;
  sender: string;
  direction: string;
  /** `say` or `ask` for an agent's message to people; null for messages to the agent. */
  kind: string | null;
  body: string;
  replyToId: string | null;
  readAt: string | null;
  dispatchState: string;
  dispatchedAt: string | null;
  createdAt: string;
};
