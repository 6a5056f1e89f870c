import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate } from "../auth/authenticate";
import { devSessionSetCookie } from "../auth/dev-mode";
import type { UserIdentity } from "../auth/principal";
import type { HubRuntime } from "../runtime/hub-runtime";

/**
 * Dev mode: a page request (not the API, not assets) without a working session is signed in as
 * the local developer. The cookie is set on the response and added to this request, so the very
 * first render already has a session. API calls are left alone: they need a cookie or a token.
 */
export async function signInDevPageRequest(runtime: HubRuntime, user: UserIdentity, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") return;
  if (pathname.startsWith("/api/") || pathname.startsWith("/_next/") || /\.[a-z0-9]+$/i.test(pathname)) return;
  const current = await authenticate(runtime, { cookie: req.headers.cookie });
  if (current.principal) return;
  const cookie = await devSessionSetCookie(runtime, user);
  res.appendHeader("set-cookie", cookie.header);
  const name = cookie.header.slice(0, cookie.header.indexOf("="));
  const others = (req.headers.cookie ?? "")
    .split(";")
    .map((c) => c.trim())
    .filter((c) => c && !c.startsWith(`${name}=`));
  req.headers.cookie = [...others, `${name}=${cookie.value}`].join("; ");
}
