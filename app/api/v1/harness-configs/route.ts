import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { queryOf } from "@/lib/http/pagination";
import { readJsonBody } from "@/lib/http/read-json-body";
import { createHarnessConfig } from "@/lib/harness-configs/create-harness-config";
import { listHarnessConfigs } from "@/lib/harness-configs/list-harness-configs";
import { createHarnessConfigBody } from "@/lib/harness-configs/schemas";
import { listConfigQuery } from "@/lib/templates/schemas";

export const dynamic = "force-dynamic";

// GET /api/v1/harness-configs?scope=&projectId=&search= - the harness configs the caller sees.
export const GET = apiRoute("user", async ({ req, runtime, principal }) => {
  const query = listConfigQuery.parse(queryOf(req));
  return NextResponse.json({ items: await listHarnessConfigs(runtime.prisma, principal.user, query) });
});

// POST /api/v1/harness-configs - create a harness config in a scope the caller may write.
export const POST = apiRoute("user", async ({ req, runtime, principal, requestId }) => {
  const body = await readJsonBody(req, createHarnessConfigBody);
  return NextResponse.json(await createHarnessConfig(runtime.prisma, principal.user, body, requestId), { status: 201 });
});
