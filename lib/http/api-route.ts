import { authenticate } from "../auth/authenticate";
import { checkAccess, type RouteAccess } from "../auth/check-access";
import { IDENTITY_HEADER } from "../auth/identity-header";
import { recordAudit } from "../audit/record-audit";
import { principalId, type Principal } from "../auth/principal";
import { getHubRuntime, type HubRuntime } from "../runtime/hub-runtime";
import { handleApiError } from "./handle-api-error";

export type { RouteAccess };

export type RouteParams = Record<string, string>;

export interface ApiContext<A extends RouteAccess> {
  req: Request;
  params: RouteParams;
  runtime: HubRuntime;
  principal: A extends "public"
    ? Principal | null
    : A extends "user" | "admin"
      ? Extract<Principal, { kind: "user" }>
      : A extends "agent"
        ? Extract<Principal, { kind: "agent" }>
        : Principal;
  requestId: string | undefined;
}

type RouteContext = { params: Promise<RouteParams> };

/**
 * The one wrapper every /api/v1 route handler goes through: runtime, authentication and the
 * route's access class, params, and mapping anything thrown to the error envelope. The handler
 * carries its access class (`GET.access`), which a test compares with lib/api-spec/routes.ts.
 */
export function apiRoute<A extends RouteAccess>(access: A, handler: (ctx: ApiContext<A>) => Promise<Response>) {
  const route = async (req: Request, context: RouteContext): Promise<Response> => {
    let runtime: HubRuntime | undefined;
    let principal: Principal | null = null;
    const requestId = req.headers.get("x-request-id") ?? undefined;
    try {
      runtime = getHubRuntime();
      const result = await authenticate(runtime, {
        authorization: req.headers.get("authorization"),
        cookie: req.headers.get("cookie"),
        identity: req.headers.get(IDENTITY_HEADER),
      });
      principal = result.principal;
      checkAccess(principal, access, result.principal === null ? result.reason : undefined);
      const ctx = { req, params: await context.params, runtime, principal, requestId };
      return await handler(ctx as ApiContext<A>);
    } catch (err) {
      const { status, body, headers } = handleApiError(err, runtime?.logger);
      if (runtime && principal && req.method !== "GET" && req.method !== "HEAD")
        await auditRefusal(runtime, principal, req, body.error.code, requestId);
      return Response.json(body, { status, headers });
    }
  };
  return Object.assign(route, { access });
}

/** A mutation an identified caller attempted and was refused is audited too, with the reason. */
async function auditRefusal(
  runtime: HubRuntime,
  principal: Principal,
  req: Request,
  code: string,
  requestId?: string,
): Promise<void> {
  const path = new URL(req.url).pathname.slice(0, 300);
  await recordAudit(runtime.prisma, {
    principal: principalId(principal),
    action: `${req.method} ${path}`,
    targetType: "request",
    result: code,
    requestId,
  }).catch((err: unknown) => runtime.logger.warn({ err }, "could not record an audit event"));
}

/** A 200 answer whose JSON is already text (serialised once, e.g. by Postgres): sent as it is. */
export function jsonText(body: string, status = 200): Response {
  return new Response(body, { status, headers: { "content-type": "application/json" } });
}
