import { NextResponse } from "next/server";
import { listHarnesses } from "@/lib/harnesses/list-harnesses";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

// GET /api/v1/harnesses - the harnesses, their auth types and where each can run (signed-in people, like the broker list).
export const GET = apiRoute("user", async ({ runtime }) => NextResponse.json(await listHarnesses(runtime.prisma)));
