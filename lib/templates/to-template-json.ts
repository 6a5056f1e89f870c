import type { Template } from "../db/generated/client";
import type { TemplateJson } from "./schemas";

/** A template row with its harness config's harness (for the effective harness). */
export type TemplateRow = Template & { harnessConfig: { harness: string } | null };

/** What Prisma reads with every template: the config's harness, for `harness`. */
export const TEMPLATE_INCLUDE = { harnessConfig: { select: { harness: true } } } as const;

export function toTemplateJson(t: TemplateRow): TemplateJson {
  return {
    id: t.id,
    slug: t.slug,
    name: t.name,
    description: t.description,
    scope: t.scope,
    projectId: t.projectId,
    userId: t.userId,
    harnessConfigId: t.harnessConfigId,
    harness: t.harness ?? t.harnessConfig?.harness ?? "shell",
    model: t.model,
    task: t.task,
    instructions: t.instructions,
    systemPrompt: t.systemPrompt,
    env: (t.env ?? {}) as TemplateJson["env"],
    secrets: t.secrets,
    limits: (t.limits ?? {}) as TemplateJson["limits"],
    image: t.image,
    files: (t.files ?? []) as TemplateJson["files"],
    builtIn: t.builtIn,
    createdBy: t.createdBy,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}
