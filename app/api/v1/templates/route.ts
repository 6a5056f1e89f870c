import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { queryOf } from "@/lib/http/pagination";
import { readJsonBody } from "@/lib/http/read-json-body";
import { createTemplate } from "@/lib/templates/create-template";
import { listTemplates } from "@/lib/templates/list-templates";
import { createTemplateBody, listConfigQuery } from "@/lib/templates/schemas";

export const dynamic = "force-dynamic";

// GET /api/v1/templates?scope=&projectId=&search= - the templates the caller sees.
export const GET = apiRoute("user", async ({ req, runtime, principal }) => {
  const query = listConfigQuery.parse(queryOf(req));
  return NextResponse.json({ items: await listTemplates(runtime.prisma, principal.user, query) });
});

// POST /api/v1/templates - create a template in a scope the caller may write.
export const POST = apiRoute("user", async ({ req, runtime, principal, requestId }) => {
  const body = await readJsonBody(req, createTemplateBody);
  return NextResponse.json(await createTemplate(runtime.prisma, principal.user, body, requestId), { status: 201 });
});
