import type { Secret } from "../db/generated/client";
import type { SecretJson } from "./schemas";

/** The metadata of a secret; the value never leaves the store except in a start request. */
export function toSecretJson(
  s: Pick<Secret, "id" | "name" | "scope" | "projectId" | "target" | "path" | "createdBy" | "createdAt" | "updatedAt">,
): SecretJson {
  return {
    id: s.id,
    name: s.name,
    scope: s.scope,
    projectId: s.projectId,
    target: s.target,
    path: s.path,
    createdBy: s.createdBy,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}
