import { NextResponse } from "next/server";
import pkg from "@/package.json";
import { buildOpenApi } from "@/lib/api-spec/build-openapi";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

// GET /api/v1/openapi.json - the API description, generated from the request schemas (public).
export const GET = apiRoute("public", async () => NextResponse.json(buildOpenApi(pkg.version)));
