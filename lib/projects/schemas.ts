import { z } from "zod";
import { pageQuery } from "../http/pagination";

export const slugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
    error: "must be 1-63 characters of a-z, 0-9 and -, starting with a letter or digit",
  });

const gitRemote = z
  .string()
  .trim()
  .max(500)
  .regex(/^(https?:\/\/|ssh:\/\/|git@)[^\s]+$/, { error: "must be an http(s)://, ssh:// or git@ remote" });

export const createProjectBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    slug: slugSchema.optional(),
    gitRemote: gitRemote.nullish(),
    defaultBrokerId: z.uuid().nullish(),
  })
  .strict();

export const updateProjectBody = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    gitRemote: gitRemote.nullish(),
    defaultBrokerId: z.uuid().nullish(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { error: "give at least one field to change" });

export const listProjectsQuery = pageQuery.extend({
  q: z.string().trim().max(200).optional(),
  sort: z.enum(["name", "created"]).default("name"),
  order: z.enum(["asc", "desc"]).default("asc"),
});

export type CreateProjectBody = z.output<typeof createProjectBody>;
export type UpdateProjectBody = z.output<typeof updateProjectBody>;

export const projectSchema = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  gitRemote: z.string().nullable(),
  defaultBrokerId: z.uuid().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export type ProjectJson = z.infer<typeof projectSchema>;
