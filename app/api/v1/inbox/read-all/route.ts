import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { markInboxAllRead } from "@/lib/messages/inbox";

export const dynamic = "force-dynamic";

// POST /api/v1/inbox/read-all - mark every unread inbox message of the caller's read.
export const POST = apiRoute("user", async ({ runtime, principal }) =>
  NextResponse.json(await markInboxAllRead(runtime.prisma, runtime.events, principal.user)),
);
