import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";

/** 409 naming the templates that use a harness config (details: {templates: [{id, slug, scope, projectId}]}), if any. */
export async function refuseIfUsedByTemplates(
  db: Pick<PrismaClient, "template">,
  config: { id: string; slug: string },
  doing: string,
): Promise<void> {
  const templates = await db.template.findMany({
    where: { harnessConfigId: config.id },
    select: { id: true, slug: true, scope: true, projectId: true },
    orderBy: [{ slug: "asc" }, { id: "asc" }],
    take: 50,
  });
  if (templates.length === 0) return;
  throw new ApiError(
    "conflict",
    `The harness config ${config.slug} is used by ${templates.length === 1 ? "template" : "templates"} ${templates.map((t) => t.slug).join(", ")}; ${doing}.`,
    { templates },
  );
}
