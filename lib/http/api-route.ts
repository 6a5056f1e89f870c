import { NextResponse } from "next/server";
import { getHubRuntime, type HubRuntime } from "../runtime/hub-runtime";
import { handleApiError } from "./handle-api-error";

export interface ApiContext<P> {
  req: Request;
  params: P;
  runtime: HubRuntime;
}

type RouteContext<P> = { params: Promise<P> };

/**
 * The one wrapper every /api/v1 route handler goes through: it resolves the runtime and params
 * and maps anything thrown to the error envelope. Authentication joins here, by name, when the
 * identity layer lands; business rules stay in lib/.
 */
export function apiRoute<P = Record<string, never>>(handler: (ctx: ApiContext<P>) => Promise<Response>) {
  return async (req: Request, context: RouteContext<P>): Promise<Response> => {
    let runtime: HubRuntime | undefined;
    try {
      runtime = getHubRuntime();
      return await handler({ req, params: await context.params, runtime });
    } catch (err) {
      const { status, body } = handleApiError(err, runtime?.logger);
      return NextResponse.json(body, { status });
    }
  };
}
