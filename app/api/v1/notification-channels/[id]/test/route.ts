import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { testChannel } from "@/lib/notifications/channels";

export const dynamic = "force-dynamic";

// POST /api/v1/notification-channels/{id}/test - send a test notification now: {ok, status?, error?}.
export const POST = apiRoute("user", async ({ params, runtime, principal }) =>
  NextResponse.json(await testChannel(runtime, principal.user, params.id ?? "")),
);
