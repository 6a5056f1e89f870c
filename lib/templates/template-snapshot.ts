import { z } from "zod";
import { findHarness } from "../harnesses/registry";

/**
 * What an agent was created from, stored on the agent (templateSnapshot): the template's and its
 * harness config's values as they were then — env by key only, secrets by name only, never a
 * value. The agent keeps starting from it when the template changes or is deleted.
 */
export const templateSnapshotSchema = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  scope: z.string(),
  projectId: z.string().nullable(),
  userId: z.string().nullable(),
  harness: z.string(),
  model: z.string().nullable(),
  task: z.string().nullable(),
  instructions: z.string().nullable(),
  systemPrompt: z.string().nullable(),
  envKeys: z.array(z.string()),
  secrets: z.array(z.string()),
  limits: z.record(z.string(), z.unknown()),
  image: z.string().nullable(),
  files: z.array(z.object({ path: z.string(), content: z.string(), target: z.enum(["workspace", "home"]) })),
  harnessConfig: z
    .object({
      id: z.string(),
      slug: z.string(),
      name: z.string(),
      harness: z.string(),
      model: z.string().nullable(),
      authType: z.string().nullable(),
      settings: z.record(z.string(), z.unknown()),
      envKeys: z.array(z.string()),
    })
    .nullable(),
  appliedAt: z.string(),
});
export type TemplateSnapshot = z.infer<typeof templateSnapshotSchema>;

/** The snapshot of an agent row, or null (no template, or not one this version can read). */
export function readTemplateSnapshot(value: unknown): TemplateSnapshot | null {
  if (value === null || value === undefined) return null;
  const parsed = templateSnapshotSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

const templateRefSchema = z.object({ id: z.string(), slug: z.string(), name: z.string() });

/**
 * The agent JSON's `template`: what it was created from, even after the template is gone — its
 * id, slug and name, read alone so that a snapshot of another version still names its template
 * (the agent list reads the same three in SQL: lib/agents/list-agents.ts).
 */
export function templateRefOf(value: unknown): { id: string; slug: string; name: string } | null {
  const parsed = templateRefSchema.safeParse(value);
  return parsed.success ? { id: parsed.data.id, slug: parsed.data.slug, name: parsed.data.name } : null;
}

/** The secret names the agent's template needs from the secret store. */
export function requiredSecretsOf(value: unknown): string[] {
  return readTemplateSnapshot(value)?.secrets ?? [];
}

/** The auth type its harness config chose, when that config is for the agent's harness. */
export function chosenAuthTypeOf(value: unknown, harness: string): string | null {
  const config = readTemplateSnapshot(value)?.harnessConfig;
  return config && config.harness === harness ? config.authType : null;
}

/** What agent.start carries from the template: instructions, system prompt, the config's settings, files, image. */
export interface TemplateStartArgs {
  instructions?: string;
  systemPrompt?: string;
  harnessSettings?: Record<string, unknown>;
  files?: TemplateSnapshot["files"];
  image?: string;
}

/**
 * The start arguments an agent's snapshot contributes; only what is there, so a broker that
 * predates templates never sees a field it does not know. The config's settings only reach the
 * harness they were written for, a system prompt only a harness that takes one.
 */
export function templateStartArgs(agent: { harness: string; templateSnapshot: unknown }): TemplateStartArgs {
  const s = readTemplateSnapshot(agent.templateSnapshot);
  if (!s) return {};
  const settings = s.harnessConfig?.harness === agent.harness ? s.harnessConfig.settings : {};
  return {
    ...(s.instructions && { instructions: s.instructions }),
    ...(s.systemPrompt && findHarness(agent.harness)?.systemPrompt && { systemPrompt: s.systemPrompt }),
    ...(Object.keys(settings).length > 0 && { harnessSettings: settings }),
    ...(s.files.length > 0 && { files: s.files }),
    // The container image, for a docker broker that allows it (a local broker ignores it).
    ...(s.image && { image: s.image }),
  };
}
