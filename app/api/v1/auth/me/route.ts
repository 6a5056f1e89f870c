import { NextResponse } from "next/server";
import { describePrincipal } from "@/lib/auth/describe-principal";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

// GET /api/v1/auth/me - who the caller is (a person or an agent).
export const GET = apiRoute("any", async ({ runtime, principal }) =>
  NextResponse.json(await describePrincipal(runtime.prisma, principal)),
);
