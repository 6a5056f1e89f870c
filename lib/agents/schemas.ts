import { z } from "zod";
import { pageQuery } from "../http/pagination";
import { HARNESS_IDS } from "../harnesses/registry";
import type { HookEvent } from "../harnesses/types";
import { ACTIVITIES, HUB_ONLY_ACTIVITIES } from "./activities";
import { isGitBranchName } from "../net/git-ref-name";
import { secretName } from "../secrets/schemas";

export const PHASES = [
  "created",
  "provisioning",
  "cloning",
  "starting",
  "running",
  "stopping",
  "stopped",
  "error",
] as const;
export { ACTIVITIES, HUB_ONLY_ACTIVITIES } from "./activities";
export const HARNESSES = HARNESS_IDS;

export const agentPhase = z.enum(PHASES);
export const agentActivity = z.enum(ACTIVITIES);
const reportableActivity = z.enum(
  ACTIVITIES.filter((a) => !(HUB_ONLY_ACTIVITIES as readonly string[]).includes(a)) as [string, ...string[]],
  {
    error: `must be one of ${ACTIVITIES.filter((a) => !(HUB_ONLY_ACTIVITIES as readonly string[]).includes(a)).join(", ")}`,
  },
);

export const envSchema = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, { error: "environment names are letters, digits and _" }),
    z.string().max(32_768),
  )
  .refine((env) => Object.keys(env).length <= 100, { error: "at most 100 environment variables" });

export const agentLimits = z
  .object({
    maxTurns: z.number().int().min(1).max(100_000).optional(),
    maxDurationMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .optional(),
  })
  .strict();
export type AgentLimits = z.output<typeof agentLimits>;

const agentName = z
  .string()
  .trim()
  .min(1)
  .max(63)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9 _.-]*$/, {
    error: "letters, digits, space, _, . and -, starting with a letter or digit",
  });

const createAgentFields = z
  .object({
    projectId: z.uuid(),
    name: agentName,
    brokerId: z.uuid().nullish(),
    /** Absent: the template's harness, else the shell. */
    harness: z.enum(HARNESSES).optional(),
    command: z.string().trim().min(1).max(4096).nullish(),
    task: z.string().max(65_536).nullish(),
    /** Merged over the template's (and its harness config's) env. */
    env: envSchema.optional(),
    /** The model the harness uses (its default when absent). */
    model: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/, { error: "a model name is letters, digits and . _ : / @ -" })
      .nullish(),
    /** The template to start from; absent: the project's default template; null: none. */
    templateId: z.uuid().nullish(),
    /** Merged over the template's limits. */
    limits: agentLimits.optional(),
    /** Secrets (by name) the agent needs from the store, besides its template's: a start without them is refused. */
    secrets: z
      .array(secretName)
      .max(50)
      .refine((s) => new Set(s).size === s.length, { error: "each secret is named once" })
      .optional(),
    /** The agent's git branch (default `scion/<agent-slug>`), made from the project's default branch. */
    branch: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .refine(isGitBranchName, { error: "not a valid git branch name" })
      .nullish(),
    start: z.boolean().default(false),
  })
  .strict();

const genericNeedsCommand = (b: { harness?: string; command?: string | null }) =>
  b.harness !== "generic" || Boolean(b.command);
const genericNeedsCommandMessage = { error: "the generic harness needs a command", path: ["command"] };

export const createAgentBody = createAgentFields.refine(genericNeedsCommand, genericNeedsCommandMessage);
/** The body of POST /api/v1/projects/{p}/agents: the project comes from the path. */
export const createProjectAgentBody = createAgentFields
  .omit({ projectId: true })
  .strict()
  .refine(genericNeedsCommand, genericNeedsCommandMessage);

export const updateAgentBody = z
  .object({ name: agentName.optional(), task: z.string().max(65_536).nullable().optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { error: "give at least one field to change" });

/** POST /agents/{id}/restart: an empty body resumes the harness's conversation; `fresh` starts a new one. */
export const restartAgentBody = z.object({ fresh: z.boolean().optional() }).strict().optional();

export const listAgentsQuery = pageQuery.extend({
  projectId: z.uuid().optional(),
  brokerId: z.uuid().optional(),
  phase: agentPhase.optional(),
  activity: agentActivity.optional(),
  q: z.string().trim().max(200).optional(),
  sort: z.enum(["name", "created", "updated", "phase"]).default("created"),
  order: z.enum(["asc", "desc"]).default("desc"),
});

/** The normalised harness hook events (lib/harnesses/types.ts HookEvent), as the shim's hook sends them. */
export const HOOK_EVENTS = [
  "session-start",
  "prompt-submit",
  "model-start",
  "model-end",
  "tool-start",
  "tool-end",
  "turn-end",
  "response-complete",
  "notification",
  "session-end",
] as const satisfies readonly HookEvent[];
/** `true` while every HookEvent is listed above: a new one fails to compile until it is. */
export type AllHookEventsListed = Exclude<HookEvent, (typeof HOOK_EVENTS)[number]> extends never ? true : never;
export const allHookEventsListed: AllHookEventsListed = true;

export const agentStatusBody = z
  .object({
    phase: agentPhase.optional(),
    activity: reportableActivity.optional(),
    detail: z.string().max(4096).nullable().optional(),
    heartbeat: z.literal(true).optional(),
    /** The harness hook event behind this report: it decides whether a sticky activity gives way, and counts turns. */
    hookEvent: z.enum(HOOK_EVENTS).optional(),
    /** The harness's last assistant message (a turn's end); kept trimmed, at most 4000 characters. */
    lastOutput: z.string().max(65_536).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { error: "give phase, activity, detail, heartbeat or hookEvent" });

export type CreateAgentBody = z.output<typeof createAgentBody>;
export type UpdateAgentBody = z.output<typeof updateAgentBody>;
export type ListAgentsQuery = z.output<typeof listAgentsQuery>;
export type AgentStatusBody = z.output<typeof agentStatusBody>;

export const agentSchema = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  projectId: z.uuid(),
  brokerId: z.uuid().nullable(),
  phase: agentPhase,
  activity: agentActivity.nullable(),
  detail: z.string().nullable(),
  task: z.string().nullable(),
  harness: z.string(),
  model: z.string().nullable(),
  templateId: z.uuid().nullable(),
  /** The template the agent was created from, as it was then (it may have changed or be gone since). */
  template: z.object({ id: z.uuid(), slug: z.string(), name: z.string() }).nullable(),
  /** Secrets (by name) its create request said it needs (its template's come on top). */
  secrets: z.array(z.string()),
  /** The agent's git branch and the branch it was made from (null without a project remote). */
  branch: z.string().nullable(),
  baseBranch: z.string().nullable(),
  limits: agentLimits,
  lastOutput: z.string().nullable(),
  /** Turns since the last start (counted from the harness's prompt-submit hook). */
  turnCount: z.number().int(),
  createdBy: z.string(),
  ownerId: z.string(),
  ports: z.object({ A: z.number().optional(), B: z.number().optional() }),
  urls: z.object({ A: z.string().optional(), B: z.string().optional() }),
  lastSeen: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  stateVersion: z.number().int(),
});

export type AgentJson = z.infer<typeof agentSchema>;

/** DELETE /agents/{id}?keepBranch=true keeps the agent's branch (in its broker's shared clone). */
export const deleteAgentQuery = z.object({ keepBranch: z.enum(["true", "false"]).optional() });

/** GET /agents/{id}/git: the short git status of the agent's workspace, from its broker. */
export const agentGitStatusSchema = z.object({
  branch: z.string(),
  baseBranch: z.string(),
  ahead: z.number().int(),
  behind: z.number().int(),
  changedFiles: z.number().int(),
  clean: z.boolean(),
});
export type AgentGitStatus = z.infer<typeof agentGitStatusSchema>;
