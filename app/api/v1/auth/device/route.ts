import { NextResponse } from "next/server";
import { startDeviceAuth } from "@/lib/device-auth/device-auth";
import { startDeviceAuthBody } from "@/lib/device-auth/schemas";
import { CLIENT_ADDRESS_HEADER } from "@/lib/http/client-address";
import { apiRoute } from "@/lib/http/api-route";
import { rateLimited } from "@/lib/http/rate-limit";
import { readJsonBody } from "@/lib/http/read-json-body";
import type { HubConfig } from "@/lib/config/schema";

export const dynamic = "force-dynamic";

// POST /api/v1/auth/device - start a device-style sign-in (`scion login`): a device code for the
// CLI, a user code and URL for the person. Counts against the caller's address like a sign-in.
export const POST = apiRoute("public", async ({ req, runtime }) => {
  const body = await readJsonBody(req, startDeviceAuthBody);
  const wait = runtime.rateLimiter.take("signIn", req.headers.get(CLIENT_ADDRESS_HEADER) ?? "unknown");
  if (wait > 0) throw rateLimited("Too many sign-in attempts from this address.", wait);
  return NextResponse.json(await startDeviceAuth(runtime.prisma, hubBaseUrl(req, runtime.config), body), {
    status: 201,
  });
});

/**
 * Where the person opens /device: the configured public URL (SCION_PUBLIC_URL), or, when none was
 * configured (it then defaults to the listen address), the host the command line reached.
 */
function hubBaseUrl(req: Request, config: HubConfig): string {
  const host = req.headers.get("host");
  if (config.publicUrl !== config.internalUrl || !host || !/^[A-Za-z0-9.:[\]-]+$/.test(host)) return config.publicUrl;
  return `${new URL(config.publicUrl).protocol}//${host}`;
}
