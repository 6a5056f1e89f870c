import type { AgentEnv } from "../agents/agent-env";
import type { AgentLimits, CreateAgentBody } from "../agents/schemas";
import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";
import { canSeeScoped } from "./config-scope";
import type { TemplateSnapshot } from "./template-snapshot";

/** An agent's set-up once its template (if any) has applied and the request's own fields have overridden it. */
export interface AppliedTemplate {
  harness: string;
  model: string | null;
  task: string | null;
  env: AgentEnv;
  limits: AgentLimits;
  templateId: string | null;
  snapshot: TemplateSnapshot | null;
}

/**
 * The template an agent is created from — the one named (it must be one its owner sees), else the
 * project's default unless the request says `templateId: null` — applied under the request: the
 * harness config's env, then the template's, then the request's; the request's harness, model,
 * task and limits over the template's (and the config's model, when it is for that harness).
 */
export async function applyAgentTemplate(
  prisma: PrismaClient,
  owner: UserIdentity,
  project: { id: string; defaultTemplateId: string | null },
  body: CreateAgentBody,
): Promise<AppliedTemplate> {
  const templateId = body.templateId === undefined ? project.defaultTemplateId : body.templateId;
  const template = templateId
    ? await prisma.template.findUnique({ where: { id: templateId }, include: { harnessConfig: true } })
    : null;
  if (templateId && body.templateId && (!template || !(await canSeeScoped(prisma, owner, template))))
    throw new ApiError("not_found", "No such template.");
  if (!template)
    return {
      harness: body.harness ?? "shell",
      model: body.model ?? null,
      task: body.task ?? null,
      env: body.env ?? {},
      limits: body.limits ?? {},
      templateId: null,
      snapshot: null,
    };
  const config = template.harnessConfig;
  const templateHarness = template.harness ?? config?.harness ?? "shell";
  const harness = body.harness ?? templateHarness;
  const sameHarness = config !== null && config.harness === harness;
  const configEnv = (sameHarness ? config.env : {}) as AgentEnv;
  const templateEnv = (template.env ?? {}) as AgentEnv;
  const templateLimits = (template.limits ?? {}) as AgentLimits;
  const snapshot: TemplateSnapshot = {
    id: template.id,
    slug: template.slug,
    name: template.name,
    scope: template.scope,
    projectId: template.projectId,
    userId: template.userId,
    harness: templateHarness,
    model: template.model,
    task: template.task,
    instructions: template.instructions,
    systemPrompt: template.systemPrompt,
    envKeys: Object.keys(templateEnv),
    secrets: template.secrets,
    limits: templateLimits,
    image: template.image,
    files: (template.files ?? []) as TemplateSnapshot["files"],
    harnessConfig: config && {
      id: config.id,
      slug: config.slug,
      name: config.name,
      harness: config.harness,
      model: config.model,
      authType: config.authType,
      settings: (config.settings ?? {}) as Record<string, unknown>,
      envKeys: Object.keys((config.env ?? {}) as object),
    },
    appliedAt: new Date().toISOString(),
  };
  return {
    harness,
    model: body.model !== undefined ? body.model : (template.model ?? (sameHarness ? config.model : null)),
    task: body.task !== undefined ? body.task : template.task,
    env: { ...configEnv, ...templateEnv, ...body.env },
    limits: { ...templateLimits, ...body.limits },
    templateId: template.id,
    snapshot,
  };
}
