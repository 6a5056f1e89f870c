import { z } from "zod";
import { secretName } from "../secrets/schemas";
import { envSchema } from "../agents/schemas";
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

/** A branch name git accepts (check-ref-format, simplified): no spaces, `..`, `@{`, control or glob characters. */
const branchName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^(?!-)(?!\/)(?!.*\/\/)(?!.*\.\.)(?!.*@\{)(?!.*\/$)(?!.*\.lock$)(?!.*\.$)[A-Za-z0-9._/-]+$/, {
    error: "must be a git branch name (letters, digits, . _ - and /; no .., no leading - or /)",
  });

export const projectVisibility = z.enum(["hub", "members"]);
export const projectMemberRole = z.enum(["member", "manager"]);

export const createProjectBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    slug: slugSchema.optional(),
    gitRemote: gitRemote.nullish(),
    defaultBrokerId: z.uuid().nullish(),
    defaultBranch: branchName.nullish(),
    visibility: projectVisibility.optional(),
  })
  .strict();

export const updateProjectBody = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    gitRemote: gitRemote.nullish(),
    defaultBranch: branchName.nullish(),
    defaultTemplateId: z.uuid().nullish(),
    defaultBrokerId: z.uuid().nullish(),
    env: envSchema.optional(),
    gitTokenSecret: secretName.nullish(),
    visibility: projectVisibility.optional(),
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
  defaultBranch: z.string().nullable(),
  defaultBrokerId: z.uuid().nullable(),
  defaultTemplateId: z.uuid().nullable(),
  env: z.record(z.string(), z.string()),
  gitTokenSecret: z.string().nullable(),
  visibility: projectVisibility,
  createdBy: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** The project's agents: running, running and waiting for input, all. */
  counts: z.object({ running: z.number().int(), waitingForInput: z.number().int(), total: z.number().int() }),
  /** The caller's role: admin, manager (creator or manager member), member, or none. */
  role: z.enum(["admin", "manager", "member"]).nullable(),
});

export type ProjectJson = z.infer<typeof projectSchema>;

export const addMemberBody = z
  .object({
    email: z.string().trim().toLowerCase().min(3).max(320).optional(),
    userId: z.uuid().optional(),
    role: projectMemberRole.default("member"),
  })
  .strict()
  .refine((b) => (b.email === undefined) !== (b.userId === undefined), { error: "give either email or userId" });

export type AddMemberBody = z.output<typeof addMemberBody>;

export const memberSchema = z.object({
  userId: z.uuid(),
  email: z.string(),
  name: z.string().nullable(),
  role: projectMemberRole,
  createdAt: z.iso.datetime(),
});

export type MemberJson = z.infer<typeof memberSchema>;

export const broadcastBody = z
  .object({
    body: z.string().min(1).max(65_536),
    /** Interrupt each agent's current turn before typing the message. */
    interrupt: z.boolean().optional(),
  })
  .strict();

export const broadcastResultSchema = z.object({
  total: z.number().int(),
  delivered: z.number().int(),
  queued: z.number().int(),
  failed: z.number().int(),
  results: z.array(
    z.object({
      agentId: z.uuid(),
      name: z.string(),
      status: z.enum(["delivered", "queued", "failed"]),
      error: z.string().optional(),
    }),
  ),
});

export type BroadcastResult = z.infer<typeof broadcastResultSchema>;
