import { z } from "zod";

export const createApiTokenBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    expiresInDays: z.number().int().min(1).max(365).default(90),
  })
  .strict();

export type CreateApiTokenBody = z.output<typeof createApiTokenBody>;

export const apiTokenSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  hint: z.string(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().nullable(),
  lastUsedAt: z.iso.datetime().nullable(),
});

export type ApiTokenJson = z.infer<typeof apiTokenSchema>;

export const MAX_ACTIVE_TOKENS_PER_USER = 50;
