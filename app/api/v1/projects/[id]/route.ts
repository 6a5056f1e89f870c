import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { readJsonBody } from "@/lib/http/read-json-body";
import { deleteProject } from "@/lib/projects/delete-project";
import { getVisibleProjectOrThrow } from "@/lib/projects/project-access";
import { updateProjectBody } from "@/lib/projects/schemas";
import { describeProject } from "@/lib/projects/to-project-json";
import { updateProject } from "@/lib/projects/update-project";

export const dynamic = "force-dynamic";

// GET /api/v1/projects/{id} - one project the caller sees, by id or slug.
export const GET = apiRoute("user", async ({ params, runtime, principal }) => {
  const { project } = await getVisibleProjectOrThrow(runtime.prisma, principal, params.id ?? "");
  return NextResponse.json(await describeProject(runtime.prisma, principal, project));
});

// PATCH /api/v1/projects/{id} - change a project's settings (its managers).
export const PATCH = apiRoute("user", async ({ req, params, runtime, principal, requestId }) => {
  const body = await readJsonBody(req, updateProjectBody);
  return NextResponse.json(
    await updateProject(runtime.prisma, principal, params.id ?? "", body, requestId, {
      allowPrivateRemotes: runtime.config.allowPrivateGitRemotes,
    }),
  );
});

// DELETE /api/v1/projects/{id} - delete an empty project (its managers).
export const DELETE = apiRoute("user", async ({ params, runtime, principal, requestId }) => {
  await deleteProject(runtime.prisma, principal, params.id ?? "", requestId);
  return new Response(null, { status: 204 });
});
