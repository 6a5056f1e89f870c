import crypto from "node:crypto";
import { recordAudit } from "../audit/record-audit";
import { KEY_LABELS } from "../auth/derive-key";
import type { UserIdentity } from "../auth/principal";
import { sealWith } from "../brokers/secret-box";
import type { PrismaClient } from "../db/create-database";
import type { Secret } from "../db/generated/client";
import { requireSecretWriter } from "./can-write-secret";
import type { CreateSecretBody, SecretJson } from "./schemas";
import { toSecretJson } from "./to-secret-json";

/**
 * Creates a secret, or replaces the one with the same scope, owner (person or project) and name.
 * The value is sealed (AES-256-GCM, its own derived key) before it reaches the database; the
 * answer, the audit row and the log hold only its metadata. One statement against the unique
 * index, so two simultaneous writes of the same name end as one secret, the later value winning.
 */
export async function putSecret(
  prisma: PrismaClient,
  rootSecret: string,
  user: UserIdentity,
  body: CreateSecretBody,
  requestId?: string,
): Promise<{ created: boolean; secret: SecretJson }> {
  const projectId = body.scope === "project" ? body.projectId! : null;
  await requireSecretWriter(prisma, user, body.scope, projectId);
  const userId = body.scope === "user" ? user.id : null;
  const sealed = sealWith(rootSecret, KEY_LABELS.secretStore, body.value);
  const path = body.target === "file" ? body.path! : null;
  const actor = `user:${user.id}`;
  return prisma.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<Array<Secret & { inserted: boolean }>>`
      INSERT INTO secrets (id, name, scope, "userId", "projectId", target, path, "valueSealed", "createdBy", "createdAt", "updatedAt")
      VALUES (${crypto.randomUUID()}::uuid, ${body.name}, ${body.scope}::"SecretScope", ${userId}::uuid, ${projectId}::uuid, ${body.target}::"SecretTarget",
              ${path}, ${sealed}, ${actor}, now(), now())
      ON CONFLICT (scope, COALESCE("userId", '00000000-0000-0000-0000-000000000000'::uuid), COALESCE("projectId", '00000000-0000-0000-0000-000000000000'::uuid), name)
      DO UPDATE SET target = EXCLUDED.target, path = EXCLUDED.path, "valueSealed" = EXCLUDED."valueSealed", "updatedAt" = now()
      RETURNING id::text AS id, name, scope::text AS scope, "projectId"::text AS "projectId", target::text AS target, path, "createdBy", "createdAt", "updatedAt", (xmax = 0) AS inserted`;
    const secret = toSecretJson(row!);
    const details = {
      name: secret.name,
      scope: secret.scope,
      projectId: secret.projectId,
      target: secret.target,
      path: secret.path,
    };
    await recordAudit(tx, {
      principal: actor,
      action: row!.inserted ? "secret.create" : "secret.replace",
      targetType: "secret",
      targetId: secret.id,
      details,
      requestId,
    });
    return { created: row!.inserted, secret };
  });
}
