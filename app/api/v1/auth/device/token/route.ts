import { NextResponse } from "next/server";
import { pollDeviceAuth } from "@/lib/device-auth/device-auth";
import { deviceTokenBody } from "@/lib/device-auth/schemas";
import { apiRoute } from "@/lib/http/api-route";
import { readJsonBody } from "@/lib/http/read-json-body";

export const dynamic = "force-dynamic";

// POST /api/v1/auth/device/token - the CLI's poll: 428 authorization_pending until approved,
// then the approver's new API token (once).
export const POST = apiRoute("public", async ({ req, runtime, requestId }) => {
  const { deviceCode } = await readJsonBody(req, deviceTokenBody);
  return NextResponse.json(await pollDeviceAuth(runtime.prisma, runtime.sessionSecret, deviceCode, requestId));
});
