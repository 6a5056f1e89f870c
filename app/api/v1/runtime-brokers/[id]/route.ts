import { NextResponse } from "next/server";
import { deleteBroker } from "@/lib/brokers/delete-broker";
import { getBrokerOrThrow } from "@/lib/brokers/list-brokers";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

// GET /api/v1/runtime-brokers/{id} - one broker.
export const GET = apiRoute("user", async ({ params, runtime }) =>
  NextResponse.json(await getBrokerOrThrow(runtime.prisma, params.id)),
);

// DELETE /api/v1/runtime-brokers/{id} - remove a broker without agents (admin).
export const DELETE = apiRoute("admin", async ({ params, runtime, principal, requestId }) => {
  await deleteBroker(runtime.prisma, principal.user, params.id, requestId);
  return new Response(null, { status: 204 });
});
