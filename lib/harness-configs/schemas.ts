import { z } from "zod";
import { envSchema } from "../agents/schemas";
import { settingsProblems } from "../harnesses/harness-settings";
import { findHarness, HARNESS_IDS } from "../harnesses/registry";
import { slugSchema } from "../projects/schemas";
import { CONFIG_SCOPES } from "../templates/config-scope";
import { configDescription, configName, modelName, refineScope, scopeFields } from "../templates/schemas";

const authType = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, { error: "an auth type id such as api-key (see GET /api/v1/harnesses)" });

const settings = z.record(z.string().max(200), z.unknown());

const configFields = {
  name: configName,
  description: configDescription.nullish(),
  harness: z.enum(HARNESS_IDS),
  model: modelName.nullish(),
  authType: authType.nullish(),
  settings: settings.optional(),
  env: envSchema.optional(),
};

/**
 * Settings and auth type checked against the harness: settings the harness's config file takes
 * (none of the keys the hub writes itself), an auth type the harness has. Each problem is an issue.
 */
export function harnessFieldProblems(b: {
  harness: string;
  authType?: string | null;
  settings?: Record<string, unknown>;
}): Array<{ path: string; message: string }> {
  const h = findHarness(b.harness);
  if (!h) return [{ path: "harness", message: `no harness called ${b.harness}` }];
  const problems = settingsProblems(h, b.settings ?? {}).map((message) => ({ path: "settings", message }));
  if (b.authType && !h.authTypes.some((a) => a.type === b.authType))
    problems.push({
      path: "authType",
      message: h.authTypes.length
        ? `${h.name} authenticates with ${h.authTypes.map((a) => a.type).join(", ")}`
        : `${h.name} needs no authentication`,
    });
  return problems;
}

export const createHarnessConfigBody = z
  .object({ slug: slugSchema.optional(), ...scopeFields, ...configFields })
  .strict()
  .superRefine((b, ctx) => {
    refineScope(b, ctx);
    for (const p of harnessFieldProblems(b)) ctx.addIssue({ code: "custom", path: [p.path], message: p.message });
  });

/** PATCH: any field but the scope; settings and auth type are checked against the resulting harness. */
export const updateHarnessConfigBody = z
  .object({
    slug: slugSchema.optional(),
    ...configFields,
    name: configName.optional(),
    harness: configFields.harness.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { error: "give at least one field to change" });

export type CreateHarnessConfigBody = z.output<typeof createHarnessConfigBody>;
export type UpdateHarnessConfigBody = z.output<typeof updateHarnessConfigBody>;

export const harnessConfigSchema = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  scope: z.enum(CONFIG_SCOPES),
  projectId: z.uuid().nullable(),
  userId: z.uuid().nullable(),
  harness: z.string(),
  model: z.string().nullable(),
  authType: z.string().nullable(),
  settings: z.record(z.string(), z.unknown()),
  env: z.record(z.string(), z.string()),
  builtIn: z.boolean(),
  createdBy: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type HarnessConfigJson = z.infer<typeof harnessConfigSchema>;
