import type { IncomingMessage } from "node:http";
import { ApiError } from "../../http/api-error";
import type { HubRuntime } from "../../runtime/hub-runtime";
import { provisionUser } from "../../users/provision-user";
import { IDENTITY_HEADER, signIdentity } from "../identity-header";
import { verifyIapAssertion } from "./verify-iap-assertion";

const ASSERTION_HEADER = "x-goog-iap-jwt-assertion";
const PROVISION_CACHE_MS = 60_000;

/**
 * Proxy mode, on every request before anything else sees it: verify IAP's signed assertion and,
 * when it holds, provision the user (cached 60 s per email) and pass their id on in the signed
 * identity header. The unsigned `x-goog-authenticated-user-*` headers are never read. A request
 * without an assertion goes on unidentified (it may still carry an API token); one with a bad
 * assertion, or from a refused user, is answered here: 401/403 with the reason.
 * Returns false when it answered the request.
 */
export async function applyIapIdentity(
  runtime: HubRuntime,
  req: IncomingMessage,
  reply: (status: number, error: ApiError) => void,
): Promise<boolean> {
  const iap = runtime.iap;
  if (!iap) return true;
  const assertion = req.headers[ASSERTION_HEADER];
  if (assertion === undefined) return true;
  const result = await verifyIapAssertion(Array.isArray(assertion) ? assertion[0] : assertion, {
    audience: runtime.config.iap.audience!,
    issuer: runtime.config.iap.issuer,
    jwks: iap.jwks,
  });
  if (!result.ok) {
    runtime.logger.warn({ reason: result.reason, path: req.url }, "refused an invalid IAP assertion");
    reply(401, new ApiError("unauthorized", "The IAP assertion did not verify."));
    return false;
  }
  const email = result.identity.email;
  let cached = iap.provisioned.get(email);
  if (!cached || Date.now() - cached.at > PROVISION_CACHE_MS) {
    try {
      const user = await provisionUser(runtime.prisma, runtime.config, { email });
      cached = { userId: user.id, at: Date.now() };
      iap.provisioned.set(email, cached);
    } catch (err) {
      if (err instanceof ApiError) {
        reply(err.status, err);
        return false;
      }
      throw err;
    }
  }
  req.headers[IDENTITY_HEADER] = signIdentity(runtime.sessionSecret, cached.userId);
  return true;
}
