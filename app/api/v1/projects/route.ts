import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { queryOf } from "@/lib/http/pagination";
import { readJsonBody } from "@/lib/http/read-json-body";
import { createProject } from "@/lib/projects/create-project";
import { listProjects } from "@/lib/projects/list-projects";
import { createProjectBody, listProjectsQuery } from "@/lib/projects/schemas";

export const dynamic = "force-dynamic";

// GET /api/v1/projects - the projects the caller sees, paged, filtered and sorted, with agent counts and the caller's role.
export const GET = apiRoute("user", async ({ req, runtime, principal }) =>
  NextResponse.json(await listProjects(runtime.prisma, principal, listProjectsQuery.parse(queryOf(req)))),
);

// POST /api/v1/projects - create a project.
export const POST = apiRoute("user", async ({ req, runtime, principal, requestId }) => {
  const body = await readJsonBody(req, createProjectBody);
  return NextResponse.json(
    await createProject(runtime.prisma, principal.user, body, requestId, {
      allowPrivateRemotes: runtime.config.allowPrivateGitRemotes,
    }),
    { status: 201 },
  );
});
