import type { HarnessConfig } from "../db/generated/client";
import type { HarnessConfigJson } from "./schemas";

export function toHarnessConfigJson(c: HarnessConfig): HarnessConfigJson {
  return {
    id: c.id,
    slug: c.slug,
    name: c.name,
    description: c.description,
    scope: c.scope,
    projectId: c.projectId,
    userId: c.userId,
    harness: c.harness,
    model: c.model,
    authType: c.authType,
    settings: (c.settings ?? {}) as HarnessConfigJson["settings"],
    env: (c.env ?? {}) as HarnessConfigJson["env"],
    builtIn: c.builtIn,
    createdBy: c.createdBy,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
