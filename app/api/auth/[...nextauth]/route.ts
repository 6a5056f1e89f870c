import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { buildAuthOptions } from "@/lib/auth/oauth/build-auth-options";
import { CLIENT_ADDRESS_HEADER } from "@/lib/http/client-address";
import { rateLimited } from "@/lib/http/rate-limit";
import { safeRedirectUrl } from "@/lib/auth/safe-return-path";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ nextauth: string[] }> };

// GET|POST /api/auth/* - next-auth's sign-in, callback and sign-out endpoints (oauth mode only).
async function handler(req: NextRequest, context: Context): Promise<Response> {
  const runtime = getHubRuntime();
  if (runtime.config.authMode !== "oauth") {
    return Response.json(
      { error: { code: "not_found", message: "OAuth sign-in is not enabled on this hub." } },
      { status: 404 },
    );
  }
  // A sign-in attempt (starting one, or a provider's POSTed answer) counts against the caller's
  // address; server.ts sets the address header on every request, whatever the client sent.
  const [action] = (await context.params).nextauth ?? [];
  if (req.method === "POST" && (action === "signin" || action === "callback")) {
    const wait = runtime.rateLimiter.take("signIn", req.headers.get(CLIENT_ADDRESS_HEADER) ?? "unknown");
    if (wait > 0) {
      const { code, message, details, headers } = rateLimited("Too many sign-in attempts from this address.", wait);
      // `url` is where next-auth's signIn() sends the browser: the login page, saying why.
      return Response.json(
        { error: { code, message, details }, url: "/login?error=RateLimited" },
        { status: 429, headers },
      );
    }
  }
  // next-auth answers 500 to a callbackUrl it cannot parse (a leading backslash, `javascript:`): a link's is made
  // safe, on this hub, before next-auth sees it (its redirect callback checks again).
  const callbackUrl = req.nextUrl.searchParams.get("callbackUrl");
  if (callbackUrl !== null)
    req.nextUrl.searchParams.set("callbackUrl", safeRedirectUrl(callbackUrl, runtime.config.publicUrl));
  return NextAuth(req as never, context as never, buildAuthOptions(runtime)) as Promise<Response>;
}

export { handler as GET, handler as POST };
