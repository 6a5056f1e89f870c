import { z } from "zod";

export const SCHEDULE_ACTIONS = ["message", "start", "stop"] as const;

/** An IANA time zone this Node knows (Intl), e.g. Europe/Paris; UTC by default. */
const timeZone = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { error: "not a time zone (an IANA name such as Europe/Paris or UTC)" },
  );

const cron = z.string().trim().min(9).max(120);
const name = z.string().trim().min(1).max(100);
const body = z.string().min(1).max(65_536);

export const createScheduleBody = z
  .object({
    name,
    agentId: z.uuid(),
    action: z.enum(SCHEDULE_ACTIONS),
    body: body.optional(),
    cron: cron.optional(),
    runAt: z.iso.datetime({ offset: true }).optional(),
    timeZone: timeZone.default("UTC"),
  })
  .strict()
  .refine((b) => (b.cron === undefined) !== (b.runAt === undefined), {
    error: "give either cron (recurring) or runAt (once)",
    path: ["cron"],
  })
  .refine((b) => (b.action === "message") === (b.body !== undefined), {
    error: "a message schedule needs its body; start and stop take none",
    path: ["body"],
  });
export type CreateScheduleBody = z.output<typeof createScheduleBody>;

export const updateScheduleBody = z
  .object({
    name: name.optional(),
    body: body.optional(),
    cron: cron.optional(),
    runAt: z.iso.datetime({ offset: true }).optional(),
    timeZone: timeZone.optional(),
    paused: z.boolean().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { error: "give at least one field to change" })
  .refine((b) => b.cron === undefined || b.runAt === undefined, {
    error: "give cron or runAt, not both",
    path: ["cron"],
  });
export type UpdateScheduleBody = z.output<typeof updateScheduleBody>;

export const listSchedulesQuery = z.object({ agentId: z.uuid().optional() });

export const scheduleRunSchema = z.object({
  id: z.uuid(),
  scheduledFor: z.iso.datetime(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
  ok: z.boolean().nullable(),
  error: z.string().nullable(),
});
export type ScheduleRunJson = z.infer<typeof scheduleRunSchema>;

export const scheduleSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  agentId: z.uuid(),
  agentName: z.string(),
  ownerId: z.string(),
  action: z.enum(SCHEDULE_ACTIONS),
  body: z.string().nullable(),
  cron: z.string().nullable(),
  runAt: z.iso.datetime().nullable(),
  timeZone: z.string(),
  paused: z.boolean(),
  nextRunAt: z.iso.datetime().nullable(),
  lastRunAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  lastRun: scheduleRunSchema.nullable(),
});
export type ScheduleJson = z.infer<typeof scheduleSchema>;
