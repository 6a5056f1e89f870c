import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { queryOf } from "@/lib/http/pagination";
import { readJsonBody } from "@/lib/http/read-json-body";
import { listSecrets } from "@/lib/secrets/list-secrets";
import { putSecret } from "@/lib/secrets/put-secret";
import { createSecretBody, listSecretsQuery } from "@/lib/secrets/schemas";

export const dynamic = "force-dynamic";

// GET /api/v1/secrets?scope=user|project|hub&projectId - the metadata of one scope's secrets (never values).
export const GET = apiRoute("user", async ({ req, runtime, principal }) => {
  const query = listSecretsQuery.parse(queryOf(req));
  return NextResponse.json({ items: await listSecrets(runtime.prisma, principal.user, query) });
});

// POST /api/v1/secrets - create (201) or replace (200) a secret; answers its metadata.
export const POST = apiRoute("user", async ({ req, runtime, principal, requestId }) => {
  const body = await readJsonBody(req, createSecretBody);
  const { created, secret } = await putSecret(runtime.prisma, runtime.sessionSecret, principal.user, body, requestId);
  return NextResponse.json(secret, { status: created ? 201 : 200 });
});
