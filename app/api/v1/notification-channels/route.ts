import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { readJsonBody } from "@/lib/http/read-json-body";
import { createChannel, listChannels } from "@/lib/notifications/channels";
import { createChannelBody } from "@/lib/notifications/schemas";

export const dynamic = "force-dynamic";

// GET /api/v1/notification-channels - the caller's webhooks and email addresses.
export const GET = apiRoute("user", async ({ runtime, principal }) =>
  NextResponse.json(await listChannels(runtime, principal.user)),
);

// POST /api/v1/notification-channels - add one (a webhook's signing secret is answered this once).
export const POST = apiRoute("user", async ({ req, runtime, principal }) => {
  const body = await readJsonBody(req, createChannelBody);
  return NextResponse.json(await createChannel(runtime, principal.user, body), { status: 201 });
});
