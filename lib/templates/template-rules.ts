import type { UserIdentity } from "../auth/principal";
import type { PrismaClient } from "../db/create-database";
import type { HarnessConfig } from "../db/generated/client";
import type { ConfigScope } from "../db/generated/enums";
import { findHarness } from "../harnesses/registry";
import { ApiError } from "../http/api-error";
import { canSeeScoped, type ScopeOwner } from "./config-scope";

/** The owner columns of a new row in `scope`: the project for project scope, the caller for user scope. */
export function ownerOf(scope: ConfigScope, projectId: string | null | undefined, user: UserIdentity): ScopeOwner {
  return {
    scope,
    projectId: scope === "project" ? (projectId ?? null) : null,
    userId: scope === "user" ? user.id : null,
  };
}

const invalid = (path: string, message: string) => new ApiError("validation_error", message, [{ path, message }]);

/**
 * The harness config a template in `owner`'s scope may name: one the person sees, and one every
 * user of the template sees too — a hub template only the hub's, a project template the hub's or
 * its project's, a personal template any the person sees.
 */
export async function usableHarnessConfig(
  prisma: PrismaClient,
  user: UserIdentity,
  harnessConfigId: string,
  owner: ScopeOwner,
): Promise<HarnessConfig> {
  const config = await prisma.harnessConfig.findUnique({ where: { id: harnessConfigId } });
  if (!config || !(await canSeeScoped(prisma, user, config)))
    throw invalid("harnessConfigId", "No such harness config.");
  const fits =
    config.scope === "hub" ||
    owner.scope === "user" ||
    (owner.scope === "project" && config.scope === "project" && config.projectId === owner.projectId);
  if (!fits)
    throw invalid(
      "harnessConfigId",
      `The harness config ${config.slug} is not visible to everyone who can use a ${owner.scope === "hub" ? "hub" : "project"} template; use a hub harness config${owner.scope === "project" ? " or one of this project" : ""}.`,
    );
  return config;
}

/**
 * The harness a template's agents get — its own, else its harness config's — checked: when both
 * are named they agree, and a system prompt needs a harness that takes one.
 */
export function effectiveHarness(
  fields: { harness?: string | null; systemPrompt?: string | null },
  config: Pick<HarnessConfig, "harness" | "slug"> | null,
): string {
  if (fields.harness && config && fields.harness !== config.harness)
    throw invalid(
      "harness",
      `The harness config ${config.slug} is for ${config.harness}, not ${fields.harness}; leave harness out or pick another config.`,
    );
  const harness = fields.harness ?? config?.harness;
  if (!harness) throw invalid("harness", "Give a harness or a harnessConfigId.");
  const descriptor = findHarness(harness);
  if (fields.systemPrompt && descriptor && !descriptor.systemPrompt)
    throw invalid(
      "systemPrompt",
      `${descriptor.name} takes no system prompt; put what it should know in the instructions instead.`,
    );
  return harness;
}
