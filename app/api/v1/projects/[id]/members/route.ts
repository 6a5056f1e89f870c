import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { readJsonBody } from "@/lib/http/read-json-body";
import { addMember, listMembers } from "@/lib/projects/project-members";
import { addMemberBody } from "@/lib/projects/schemas";

export const dynamic = "force-dynamic";

// GET /api/v1/projects/{id}/members - the project's members (whoever sees the project).
export const GET = apiRoute("user", async ({ params, runtime, principal }) =>
  NextResponse.json(await listMembers(runtime.prisma, principal, params.id ?? "")),
);

// POST /api/v1/projects/{id}/members - add a member by email or id, or change their role (managers): 201 added, 200 changed.
export const POST = apiRoute("user", async ({ req, params, runtime, principal, requestId }) => {
  const body = await readJsonBody(req, addMemberBody);
  const { created, member } = await addMember(
    runtime.prisma,
    runtime.events,
    principal,
    params.id ?? "",
    body,
    requestId,
  );
  return NextResponse.json(member, { status: created ? 201 : 200 });
});
