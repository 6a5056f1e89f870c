import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { queryOf } from "@/lib/http/pagination";
import { listUsers } from "@/lib/users/list-users";
import { listUsersQuery } from "@/lib/users/schemas";

export const dynamic = "force-dynamic";

// GET /api/v1/users - every user, paged and filtered (admin only).
export const GET = apiRoute("admin", async ({ req, runtime }) =>
  NextResponse.json(await listUsers(runtime.prisma, listUsersQuery.parse(queryOf(req)))),
);
