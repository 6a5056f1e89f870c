import { cookies, headers } from "next/headers";
import { cache } from "react";
import { authenticate } from "@/lib/auth/authenticate";
import { IDENTITY_HEADER } from "@/lib/auth/identity-header";
import type { Principal } from "@/lib/auth/principal";
import type { HubRuntime } from "@/lib/runtime/hub-runtime";

/**
 * The person viewing a server-rendered page (session cookie or IAP identity), or null. Once per
 * request: the dashboard layout and its page both ask, and get the same answer from one lookup.
 */
export const getPagePrincipal = cache(async (runtime: HubRuntime): Promise<Principal | null> => {
  const h = await headers();
  const c = await cookies();
  const cookie = c
    .getAll()
    .map((x) => `${x.name}=${encodeURIComponent(x.value)}`)
    .join("; ");
  const result = await authenticate(runtime, { cookie, identity: h.get(IDENTITY_HEADER) });
  return result.principal;
});
