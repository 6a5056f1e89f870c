import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { parseId } from "@/lib/http/ids";
import { readJsonBody } from "@/lib/http/read-json-body";
import { cloneTemplate } from "@/lib/templates/clone-template";
import { cloneBody } from "@/lib/templates/schemas";

export const dynamic = "force-dynamic";

// POST /api/v1/templates/{id}/clone - an editable copy in a scope the caller may write (theirs by default).
export const POST = apiRoute("user", async ({ req, params, runtime, principal, requestId }) => {
  const id = parseId(params.id, "template");
  const body = await readJsonBody(req, cloneBody);
  return NextResponse.json(await cloneTemplate(runtime.prisma, principal.user, id, body, requestId), { status: 201 });
});
