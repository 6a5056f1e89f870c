import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { readJsonBody } from "@/lib/http/read-json-body";
import { broadcastToProject } from "@/lib/projects/broadcast-to-project";
import { broadcastBody } from "@/lib/projects/schemas";

export const dynamic = "force-dynamic";

// POST /api/v1/projects/{id}/broadcast - one message to every running agent of the project (managers); per-agent results.
export const POST = apiRoute("user", async ({ req, params, runtime, principal, requestId }) => {
  const body = await readJsonBody(req, broadcastBody);
  return NextResponse.json(await broadcastToProject(runtime, principal, params.id ?? "", body, requestId));
});
