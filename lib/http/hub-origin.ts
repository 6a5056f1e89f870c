import type { IncomingHttpHeaders } from "node:http";
import { IDENTITY_HEADER } from "../auth/identity-header";
import { readCookie, SECURE_SESSION_COOKIE, SESSION_COOKIE } from "../auth/session-cookie";
import { ApiError } from "./api-error";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const IAP_ASSERTION_HEADER = "x-goog-iap-jwt-assertion";

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Whether a request would be authenticated by something a browser attaches on its own: the
 * session cookie or the IAP identity. Mirrors authenticate(): an Authorization header is used
 * alone (it never falls back to the cookie), so a bearer request carries nothing a browser adds.
 */
export function carriesBrowserCredential(headers: IncomingHttpHeaders): boolean {
  if (header(headers, "authorization")?.trim()) return false;
  if (header(headers, IDENTITY_HEADER) || header(headers, IAP_ASSERTION_HEADER)) return true;
  const cookie = header(headers, "cookie");
  return readCookie(cookie, SESSION_COOKIE) !== undefined || readCookie(cookie, SECURE_SESSION_COOKIE) !== undefined;
}

/** An Origin is the hub's own: the configured public URL's origin, or the host the request was sent to. */
export function isHubOrigin(origin: string, host: string | undefined, publicUrl: string): boolean {
  try {
    const from = new URL(origin);
    if (from.origin === new URL(publicUrl).origin) return true;
    return host !== undefined && from.host === new URL(`${from.protocol}//${host}`).host;
  } catch {
    return false; // "null", or not a URL
  }
}

/**
 * The one rule for requests a browser may send with the person's credentials (cookie, IAP): they
 * must come from the hub's own pages. `Sec-Fetch-Site: same-origin` or an Origin of the hub's
 * passes; a foreign Origin never does. Without either, only a safe method passes (a link from
 * elsewhere is a GET without Origin); browsers send Origin with every unsafe method and every
 * WebSocket, so one without it did not come from our pages. Returns the refusal, or undefined.
 */
export function refuseForeignOrigin(
  method: string | undefined,
  headers: IncomingHttpHeaders,
  publicUrl: string,
  opts: { upgrade?: boolean } = {},
): ApiError | undefined {
  if (header(headers, "sec-fetch-site") === "same-origin") return undefined;
  const origin = header(headers, "origin");
  if (
    origin !== undefined
      ? isHubOrigin(origin, header(headers, "host"), publicUrl)
      : !opts.upgrade && SAFE_METHODS.has((method ?? "GET").toUpperCase())
  )
    return undefined;
  return new ApiError("forbidden", "The request did not come from this hub's own pages (its Origin is not the hub's).");
}
