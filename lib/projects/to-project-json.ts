import type { Project } from "../db/generated/client";
import type { ProjectJson } from "./schemas";

export function toProjectJson(p: Project): ProjectJson {
  return {
    id: p.id,
    slug: p.slug,
    name: p.name,
    gitRemote: p.gitRemote,
    defaultBrokerId: p.defaultBrokerId,
    createdBy: p.createdById ? `user:${p.createdById}` : null,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}
