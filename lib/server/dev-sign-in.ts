import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate } from "../auth/authenticate";
import { devSessionSetCookie } from "../auth/dev-mode";
import type { UserIdentity } from "../auth/principal";
import type { HubRuntime } from "../runtime/hub-runtime";
import { isAgentUid } from "../net/agent-uids";
import { isLoopbackAddress, loopbackPeerUid } from "../net/loopback-peer-uid";

/**
 * Dev mode: a page request (not the API, not assets) without a working session is signed in as
 * the local developer. The cookie is set on the response and added to this request, so the very
 * first render already has a session. API calls are left alone: they need a cookie or a token.
 *
 * "The local developer" is a person on this machine, never one of its agents: agents of the
 * local broker run on the same machine and reach the hub over loopback too. So the connection
 * must come from loopback, and when agents have users of their own (a root broker) the process
 * at the other end must not be one of theirs.
 */
export async function signInDevPageRequest(
  runtime: HubRuntime,
  user: UserIdentity,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") return;
  if (pathname.startsWith("/api/") || pathname.startsWith("/_next/") || /\.[a-z0-9]+$/i.test(pathname)) return;
  const current = await authenticate(runtime, { cookie: req.headers.cookie });
  if (current.principal) return;
  // Only for requests about to be signed in: it reads the kernel's socket table.
  if (!isLocalPerson(req)) {
    runtime.logger.warn(
      { remote: req.socket.remoteAddress, path: pathname },
      "dev mode: refused to sign in a connection that is not a person on this machine",
    );
    return;
  }
  const cookie = await devSessionSetCookie(runtime, user);
  res.appendHeader("set-cookie", cookie.header);
  const name = cookie.header.slice(0, cookie.header.indexOf("="));
  const others = (req.headers.cookie ?? "")
    .split(";")
    .map((c) => c.trim())
    .filter((c) => c && !c.startsWith(`${name}=`));
  req.headers.cookie = [...others, `${name}=${cookie.value}`].join("; ");
}

/** A loopback connection whose process is not an agent's (the kernel says whose it is). */
export function isLocalPerson(req: IncomingMessage): boolean {
  const socket = req.socket;
  if (!socket.remoteAddress || !isLoopbackAddress(socket.remoteAddress)) return false;
  if (process.platform !== "linux") return true;
  const uid = loopbackPeerUid({
    remoteAddress: socket.remoteAddress,
    remotePort: socket.remotePort,
    localPort: socket.localPort,
  });
  return uid !== undefined && !isAgentUid(uid);
}
