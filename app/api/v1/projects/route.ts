import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api-route";
import { queryOf } from "@/lib/http/pagination";
import { readJsonBody } from "@/lib/http/read-json-body";
import { createProject } from "@/lib/projects/create-project";
import { listProjects } from "@/lib/projects/list-projects";
import { createProjectBody, listProjectsQuery } from "@/lib/projects/schemas";

export const dynamic = "force-dynamic";

// GET /api/v1/projects - every project, paged, filtered and sorted.
export const GET = apiRoute("user", async ({ req, runtime }) =>
  NextResponse.json(await listProjects(runtime.prisma, listProjectsQuery.parse(queryOf(req)))),
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
