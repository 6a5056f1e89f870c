import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { resetAuthAll } from "@/lib/maintenance/reset-auth-all";

export const dynamic = "force-dynamic";

// POST /api/v1/admin/agents/reset-auth-all - admin; reset-auth for every running agent, with
// progress events, answering the per-agent summary.
export const POST = apiRoute("admin", async ({ runtime, principal, requestId }) => NextResponse.json(await resetAuthAll(runtime, principal, { requestId })));
