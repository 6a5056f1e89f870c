import { NextResponse } from "next/server";
import { listAuthProviders } from "@/lib/auth/list-auth-providers";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

// GET /api/v1/auth/providers - how to sign in to this hub (public).
export const GET = apiRoute("public", async ({ runtime }) => NextResponse.json(listAuthProviders(runtime.config)));
