import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { readJsonBody } from "@/lib/http/read-json-body";
import { deleteProject } from "@/lib/projects/delete-project";
import { getProjectOrThrow } from "@/lib/projects/get-project-or-throw";
import { updateProjectBody } from "@/lib/projects/schemas";
import { toProjectJson } from "@/lib/projects/to-project-json";
import { updateProject } from "@/lib/projects/update-project";

export const dynamic = "force-dynamic";

// GET /api/v1/projects/{id} - one project, by id or slug.
export const GET = apiRoute("user", async ({ params, runtime }) =>
  NextResponse.json(toProjectJson(await getProjectOrThrow(runtime.prisma, params.id ?? ""))),
);

// PATCH /api/v1/projects/{id} - rename or re-point a project (its creator or an admin).
export const PATCH = apiRoute("user", async ({ req, params, runtime, principal, requestId }) => {
  const body = await readJsonBody(req, updateProjectBody);
  return NextResponse.json(
    await updateProject(runtime.prisma, principal.user, params.id ?? "", body, requestId, {
      allowPrivateRemotes: runtime.config.allowPrivateGitRemotes,
    }),
  );
});

// DELETE /api/v1/projects/{id} - delete an empty project (its creator or an admin).
export const DELETE = apiRoute("user", async ({ params, runtime, principal, requestId }) => {
  await deleteProject(runtime.prisma, principal.user, params.id ?? "", requestId);
  return new Response(null, { status: 204 });
});
