import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { getVersionInfo } from "@/lib/system/get-version-info";

export const dynamic = "force-dynamic";

// GET /api/v1/version - product version and the database schema version (public).
export const GET = apiRoute("public", async ({ runtime }) => NextResponse.json(await getVersionInfo(runtime.prisma)));
