import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { parseId } from "@/lib/http/ids";
import { readJsonBody } from "@/lib/http/read-json-body";
import { deleteTemplate } from "@/lib/templates/delete-template";
import { getVisibleTemplate } from "@/lib/templates/get-template";
import { updateTemplateBody } from "@/lib/templates/schemas";
import { toTemplateJson } from "@/lib/templates/to-template-json";
import { updateTemplate } from "@/lib/templates/update-template";

export const dynamic = "force-dynamic";

// GET /api/v1/templates/{id} - one template the caller sees.
export const GET = apiRoute("user", async ({ params, runtime, principal }) =>
  NextResponse.json(
    toTemplateJson(await getVisibleTemplate(runtime.prisma, principal.user, parseId(params.id, "template"))),
  ),
);

// PATCH /api/v1/templates/{id} - change a template (its scope's writers; built-in ones are read-only).
export const PATCH = apiRoute("user", async ({ req, params, runtime, principal, requestId }) => {
  const id = parseId(params.id, "template");
  const body = await readJsonBody(req, updateTemplateBody);
  return NextResponse.json(await updateTemplate(runtime.prisma, principal.user, id, body, requestId));
});

// DELETE /api/v1/templates/{id} - delete a template no project uses as its default.
export const DELETE = apiRoute("user", async ({ params, runtime, principal, requestId }) => {
  await deleteTemplate(runtime.prisma, principal.user, parseId(params.id, "template"), requestId);
  return new Response(null, { status: 204 });
});
