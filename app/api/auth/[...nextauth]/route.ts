import NextAuth from "next-auth";
import { buildAuthOptions } from "@/lib/auth/oauth/build-auth-options";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ nextauth: string[] }> };

// GET|POST /api/auth/* - next-auth's sign-in, callback and sign-out endpoints (oauth mode only).
async function handler(req: Request, context: Context): Promise<Response> {
  const runtime = getHubRuntime();
  if (runtime.config.authMode !== "oauth") {
    return Response.json({ error: { code: "not_found", message: "OAuth sign-in is not enabled on this hub." } }, { status: 404 });
  }
  return NextAuth(req as never, context as never, buildAuthOptions(runtime)) as Promise<Response>;
}

export { handler as GET, handler as POST };
