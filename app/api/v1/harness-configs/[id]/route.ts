import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { parseId } from "@/lib/http/ids";
import { readJsonBody } from "@/lib/http/read-json-body";
import { deleteHarnessConfig } from "@/lib/harness-configs/delete-harness-config";
import { getVisibleHarnessConfig } from "@/lib/harness-configs/get-harness-config";
import { updateHarnessConfigBody } from "@/lib/harness-configs/schemas";
import { toHarnessConfigJson } from "@/lib/harness-configs/to-harness-config-json";
import { updateHarnessConfig } from "@/lib/harness-configs/update-harness-config";

export const dynamic = "force-dynamic";

// GET /api/v1/harness-configs/{id} - one harness config the caller sees.
export const GET = apiRoute("user", async ({ params, runtime, principal }) =>
  NextResponse.json(
    toHarnessConfigJson(
      await getVisibleHarnessConfig(runtime.prisma, principal.user, parseId(params.id, "harness config")),
    ),
  ),
);

// PATCH /api/v1/harness-configs/{id} - change a harness config (its scope's writers; built-in ones are read-only).
export const PATCH = apiRoute("user", async ({ req, params, runtime, principal, requestId }) => {
  const id = parseId(params.id, "harness config");
  const body = await readJsonBody(req, updateHarnessConfigBody);
  return NextResponse.json(await updateHarnessConfig(runtime.prisma, principal.user, id, body, requestId));
});

// DELETE /api/v1/harness-configs/{id} - delete a harness config no template uses.
export const DELETE = apiRoute("user", async ({ params, runtime, principal, requestId }) => {
  await deleteHarnessConfig(runtime.prisma, principal.user, parseId(params.id, "harness config"), requestId);
  return new Response(null, { status: 204 });
});
