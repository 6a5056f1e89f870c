import { z } from "zod";
import { pageQuery } from "../http/pagination";

export const userRole = z.enum(["admin", "member"]);
export const userStatus = z.enum(["active", "suspended"]);

export const listUsersQuery = pageQuery.extend({
  q: z.string().trim().max(200).optional(),
  role: userRole.optional(),
  status: userStatus.optional(),
});

export const updateUserBody = z
  .object({ role: userRole.optional(), status: userStatus.optional() })
  .strict()
  .refine((b) => b.role !== undefined || b.status !== undefined, { error: "give role or status" });

export type UpdateUserBody = z.output<typeof updateUserBody>;

export const userSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string().nullable(),
  avatarUrl: z.string().nullable(),
  role: userRole,
  status: userStatus,
  createdAt: z.iso.datetime(),
  lastLoginAt: z.iso.datetime().nullable(),
});

export type UserJson = z.infer<typeof userSchema>;
