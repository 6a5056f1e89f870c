import { z } from "zod";
import { pageQuery } from "../http/pagination";

export const sendMessageBody = z
  .object({
    body: z.string().min(1).max(65_536),
    channel: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9_-]{0,31}$/, { error: "a lower-case word" })
      .default("web"),
    threadId: z.string().trim().min(1).max(128).nullish(),
    /** Interrupt the harness's current turn before typing the message (a running agent only). */
    interrupt: z.literal(true).optional(),
  })
  .strict();

export const listMessagesQuery = pageQuery.extend({ order: z.enum(["asc", "desc"]).default("desc") });

export type MessageJson = {
  id: string;
  agentId: string;
  channel: string;
  threadId: string | null;
  sender: string;
  direction: string;
  body: string;
  dispatchState: string;
  dispatchedAt: string | null;
  createdAt: string;
};
