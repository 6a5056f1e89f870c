import type { ApiToken } from "../db/generated/client";
import type { ApiTokenJson } from "./schemas";

export function toApiTokenJson(t: ApiToken): ApiTokenJson {
  return {
    id: t.id,
    name: t.name,
    hint: t.prefix,
    createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  };
}
