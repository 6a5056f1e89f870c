import type { IncomingMessage } from "node:http";
import { CHANNEL_PATH, TUNNEL_PATH } from "../brokers/channel/protocol";
import { BROKER_HEADERS } from "../brokers/hmac";
import type { HubConfig } from "../config/schema";
import { ApiError } from "../http/api-error";

/**
 * What every request and WebSocket upgrade must pass before anything else reads it:
 * - a path with a malformed percent escape names nothing (400); decoding it later would throw.
 * - dev mode answers only to loopback names (421). A dev hub signs page visitors in as an admin,
 *   so a page of another site that rebinds its own name to 127.0.0.1 (DNS rebinding) would
 *   otherwise be signed in and read the answers as same-origin. API requests with a bearer token
 *   and the broker's signed channel and terminal tunnels are let through: they never use the cookie, a page cannot
 *   obtain their credentials, and agents in containers reach a dev hub by another name
 *   (host.containers.internal). /healthz answers everyone.
 */
export function refuseRequestTarget(
  req: IncomingMessage,
  pathname: string,
  config: Pick<HubConfig, "authMode">,
): ApiError | undefined {
  try {
    decodeURIComponent(pathname);
  } catch {
    return new ApiError("validation_error", "The path has a malformed percent escape.");
  }
  if (config.authMode !== "dev" || isLoopbackHostHeader(req.headers.host)) return undefined;
  if (pathname === "/healthz") return undefined;
  if (pathname.startsWith("/api/") && req.headers.authorization?.trim()) return undefined;
  if ((pathname === CHANNEL_PATH || pathname === TUNNEL_PATH) && req.headers[BROKER_HEADERS.brokerId]) return undefined;
  return new ApiError(
    "misdirected_request",
    "This hub runs in dev mode and answers only at localhost, 127.0.0.1 or [::1]; open it at one of those addresses.",
  );
}

/** localhost, *.localhost, 127.0.0.0/8 and [::1], with any port. */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  if (!host) return false;
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec(host.trim().toLowerCase());
  const name = match?.[1];
  if (!name) return false;
  if (name === "[::1]" || name === "localhost" || name.endsWith(".localhost")) return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
  return octets !== null && octets.slice(1).every((o) => Number(o) <= 255);
}
