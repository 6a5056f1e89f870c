import { cookies, headers } from "next/headers";
import type { HubRuntime } from "../runtime/hub-runtime";
import { authenticate } from "./authenticate";
import { IDENTITY_HEADER } from "./identity-header";
import type { Principal } from "./principal";

/** The person viewing a server-rendered page (session cookie or IAP identity), or null. */
export async function getPagePrincipal(runtime: HubRuntime): Promise<Principal | null> {
  const h = await headers();
  const c = await cookies();
  const cookie = c
    .getAll()
    .map((x) => `${x.name}=${encodeURIComponent(x.value)}`)
    .join("; ");
  const result = await authenticate(runtime, { cookie, identity: h.get(IDENTITY_HEADER) });
  return result.principal;
}
