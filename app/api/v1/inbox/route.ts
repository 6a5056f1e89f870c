import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { queryOf } from "@/lib/http/pagination";
import { listInbox } from "@/lib/messages/inbox";
import { inboxQuery } from "@/lib/messages/schemas";

export const dynamic = "force-dynamic";

// GET /api/v1/inbox - the messages agents sent the caller, newest first, with the unread count.
export const GET = apiRoute("user", async ({ req, runtime, principal }) =>
  NextResponse.json(await listInbox(runtime.prisma, principal.user, inboxQuery.parse(queryOf(req)))),
);
