import { NextResponse } from "next/server";
import { approveDeviceAuth } from "@/lib/device-auth/device-auth";
import { approveDeviceBody } from "@/lib/device-auth/schemas";
import { apiRoute } from "@/lib/http/api-route";
import { readJsonBody } from "@/lib/http/read-json-body";

export const dynamic = "force-dynamic";

// POST /api/v1/auth/device/approve - a signed-in person approves the code `scion login` shows.
export const POST = apiRoute("user", async ({ req, runtime, principal, requestId }) => {
  const { userCode } = await readJsonBody(req, approveDeviceBody);
  return NextResponse.json(await approveDeviceAuth(runtime.prisma, principal.user.id, userCode, requestId));
});
