import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { markInboxRead } from "@/lib/messages/inbox";

export const dynamic = "force-dynamic";

// POST /api/v1/inbox/{id}/read - mark one of the caller's inbox messages read.
export const POST = apiRoute("user", async ({ params, runtime, principal }) =>
  NextResponse.json(await markInboxRead(runtime.prisma, runtime.events, principal.user, params.id ?? "")),
);
