import { NextResponse } from "next/server";
import { listBrokers } from "@/lib/brokers/list-brokers";
import { registerBroker } from "@/lib/brokers/register-broker";
import { listBrokersQuery, registerBrokerBody } from "@/lib/brokers/schemas";
import { apiRoute } from "@/lib/http/api-route";
import { queryOf } from "@/lib/http/pagination";
import { readJsonBody } from "@/lib/http/read-json-body";

export const dynamic = "force-dynamic";

// GET /api/v1/runtime-brokers - the registered brokers and their state.
export const GET = apiRoute("user", async ({ req, runtime }) =>
  NextResponse.json(await listBrokers(runtime.prisma, listBrokersQuery.parse(queryOf(req)))),
);

// POST /api/v1/runtime-brokers - register a broker; the one-time join token is in this answer only (admin).
export const POST = apiRoute("admin", async ({ req, runtime, principal, requestId }) => {
  const { name } = await readJsonBody(req, registerBrokerBody);
  return NextResponse.json(await registerBroker(runtime.prisma, principal.user, name, requestId), { status: 201 });
});
