import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { readJsonBody } from "@/lib/http/read-json-body";
import { subscriptionsBody } from "@/lib/notifications/schemas";
import { getSubscriptions, putSubscriptions } from "@/lib/notifications/subscriptions";

export const dynamic = "force-dynamic";

// GET /api/v1/subscriptions - what the caller is notified of (the default until they save theirs).
export const GET = apiRoute("user", async ({ runtime, principal }) =>
  NextResponse.json(await getSubscriptions(runtime, principal.user)),
);

// PUT /api/v1/subscriptions - replace them.
export const PUT = apiRoute("user", async ({ req, runtime, principal }) => {
  const { items } = await readJsonBody(req, subscriptionsBody);
  return NextResponse.json(await putSubscriptions(runtime, principal.user, items));
});
