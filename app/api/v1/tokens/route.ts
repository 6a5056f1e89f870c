import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { callerKey, enforceRateLimit } from "@/lib/http/rate-limit";
import { readJsonBody } from "@/lib/http/read-json-body";
import { createApiToken } from "@/lib/tokens/create-api-token";
import { listApiTokens } from "@/lib/tokens/list-api-tokens";
import { createApiTokenBody } from "@/lib/tokens/schemas";

export const dynamic = "force-dynamic";

// GET /api/v1/tokens - the caller's working API tokens (never their values).
export const GET = apiRoute("user", async ({ runtime, principal }) =>
  NextResponse.json({ items: await listApiTokens(runtime.prisma, principal.user.id) }),
);

// POST /api/v1/tokens - mint an API token; its value is in this response only.
export const POST = apiRoute("user", async ({ req, runtime, principal, requestId }) => {
  const body = await readJsonBody(req, createApiTokenBody);
  enforceRateLimit(runtime.rateLimiter, "tokenCreate", callerKey(principal));
  return NextResponse.json(
    await createApiToken(runtime.prisma, runtime.sessionSecret, principal.user.id, body, requestId),
    { status: 201 },
  );
});
