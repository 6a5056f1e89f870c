import { NextResponse } from "next/server";
import { interruptAgent } from "@/lib/agents/interrupt-agent";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

// POST /api/v1/agents/{id}/interrupt - owner or admin; the broker sends the harness's interrupt key (409 unless running).
export const POST = apiRoute("user", async ({ params, runtime, principal, requestId }) =>
  NextResponse.json(await interruptAgent(runtime, principal, params.id, requestId)),
);
