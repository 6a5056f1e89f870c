import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { OPERATIONS } from "@/lib/maintenance/operations";

export const dynamic = "force-dynamic";

// GET /api/v1/admin/maintenance/operations - the operations an admin can run, with their parameters.
export const GET = apiRoute("admin", async () =>
  NextResponse.json(
    OPERATIONS.map(({ key, title, description, category, params }) => ({ key, title, description, category, params })),
  ),
);
