import { z } from "zod";
import { IMAGE_REFERENCE } from "../net/image-reference";
import { agentLimits, envSchema } from "../agents/schemas";
import { HARNESS_IDS } from "../harnesses/registry";
import { slugSchema } from "../projects/schemas";
import { CONFIG_SCOPES } from "./config-scope";
import { secretName } from "../secrets/schemas";

export const MAX_TEMPLATE_FILES = 20;
export const MAX_TEMPLATE_FILE_BYTES = 64 * 1024;
export const MAX_TEMPLATE_FILES_BYTES = 256 * 1024;
export const MAX_INSTRUCTIONS_BYTES = 256 * 1024;
export const MAX_SYSTEM_PROMPT_BYTES = 64 * 1024;

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

/** A file's path: relative (to the workspace or HOME), plain segments, nothing under `.git`. */
const filePath = z
  .string()
  .min(1)
  .max(255)
  .refine((p) => !p.startsWith("/") && !p.startsWith("~"), {
    error: "the path is relative to the workspace or HOME, e.g. docs/NOTES.md",
  })
  .refine((p) => p.split("/").every((s) => s !== "" && s !== "." && s !== ".."), {
    error: "the path may not contain .., . or empty segments",
  })
  .refine((p) => !/[\0-\x1f\\]/.test(p), { error: "the path may not contain control characters or backslashes" })
  .refine((p) => p.split("/").every((s) => s.toLowerCase() !== ".git"), { error: "the path may not reach into .git" });

export const templateFile = z
  .object({
    path: filePath,
    content: z.string().refine((c) => bytes(c) <= MAX_TEMPLATE_FILE_BYTES, {
      error: `a file is at most ${MAX_TEMPLATE_FILE_BYTES / 1024} KiB`,
    }),
    target: z.enum(["workspace", "home"]).default("workspace"),
  })
  .strict();
export type TemplateFile = z.output<typeof templateFile>;

const templateFiles = z
  .array(templateFile)
  .max(MAX_TEMPLATE_FILES, { error: `at most ${MAX_TEMPLATE_FILES} files` })
  .refine((fs) => fs.reduce((n, f) => n + bytes(f.content), 0) <= MAX_TEMPLATE_FILES_BYTES, {
    error: `the files are at most ${MAX_TEMPLATE_FILES_BYTES / 1024} KiB together`,
  })
  .refine((fs) => new Set(fs.map((f) => `${f.target}:${f.path}`)).size === fs.length, {
    error: "each file path appears once per target",
  });

export const modelName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/, { error: "a model name is letters, digits and . _ : / @ -" });

export const configName = z.string().trim().min(1).max(100);
export const configDescription = z.string().trim().max(2000);

const templateFields = {
  name: configName,
  description: configDescription.nullish(),
  harnessConfigId: z.uuid().nullish(),
  harness: z.enum(HARNESS_IDS).nullish(),
  model: modelName.nullish(),
  task: z.string().max(65_536).nullish(),
  instructions: z
    .string()
    .refine((s) => bytes(s) <= MAX_INSTRUCTIONS_BYTES, { error: "instructions are at most 256 KiB" })
    .nullish(),
  systemPrompt: z
    .string()
    .refine((s) => bytes(s) <= MAX_SYSTEM_PROMPT_BYTES, { error: "a system prompt is at most 64 KiB" })
    .nullish(),
  env: envSchema.optional(),
  secrets: z
    .array(secretName)
    .max(50)
    .refine((s) => new Set(s).size === s.length, { error: "each secret is named once" })
    .optional(),
  limits: agentLimits.optional(),
  image: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .regex(IMAGE_REFERENCE, { error: "an image reference like ghcr.io/org/image:tag" })
    .nullish(),
  files: templateFiles.optional(),
};

/** Scope and owner of a new template or harness config (projectId for project scope only). */
export const scopeFields = {
  scope: z.enum(CONFIG_SCOPES),
  projectId: z.uuid().nullish(),
};

export function refineScope(b: { scope?: string; projectId?: string | null }, ctx: z.RefinementCtx): void {
  if (b.scope === "project" && !b.projectId)
    ctx.addIssue({ code: "custom", path: ["projectId"], message: "a project-scoped one needs projectId" });
  if (b.scope !== "project" && b.projectId)
    ctx.addIssue({ code: "custom", path: ["projectId"], message: "only project scope takes projectId" });
}

export const createTemplateBody = z
  .object({ slug: slugSchema.optional(), ...scopeFields, ...templateFields })
  .strict()
  .superRefine((b, ctx) => {
    refineScope(b, ctx);
    if (!b.harnessConfigId && !b.harness)
      ctx.addIssue({ code: "custom", path: ["harness"], message: "give a harness or a harnessConfigId" });
  });

/** PATCH: any field but the scope (clone into another scope instead); null clears an optional one. */
export const updateTemplateBody = z
  .object({ slug: slugSchema.optional(), ...templateFields, name: configName.optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { error: "give at least one field to change" });

export const cloneBody = z
  .object({
    name: configName,
    slug: slugSchema.optional(),
    scope: z.enum(CONFIG_SCOPES).default("user"),
    projectId: z.uuid().nullish(),
  })
  .strict()
  .superRefine(refineScope);

export const listConfigQuery = z.object({
  scope: z.enum(CONFIG_SCOPES).optional(),
  projectId: z.uuid().optional(),
  search: z.string().trim().max(200).optional(),
});

export type CreateTemplateBody = z.output<typeof createTemplateBody>;
export type UpdateTemplateBody = z.output<typeof updateTemplateBody>;
export type CloneBody = z.output<typeof cloneBody>;
export type ListConfigQuery = z.output<typeof listConfigQuery>;

export const templateSchema = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  scope: z.enum(CONFIG_SCOPES),
  projectId: z.uuid().nullable(),
  userId: z.uuid().nullable(),
  harnessConfigId: z.uuid().nullable(),
  /** The harness agents get: the template's own, else its harness config's. */
  harness: z.string(),
  model: z.string().nullable(),
  task: z.string().nullable(),
  instructions: z.string().nullable(),
  systemPrompt: z.string().nullable(),
  env: z.record(z.string(), z.string()),
  secrets: z.array(z.string()),
  limits: agentLimits,
  image: z.string().nullable(),
  files: z.array(z.object({ path: z.string(), content: z.string(), target: z.enum(["workspace", "home"]) })),
  builtIn: z.boolean(),
  createdBy: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type TemplateJson = z.infer<typeof templateSchema>;
