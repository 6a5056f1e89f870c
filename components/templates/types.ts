/*
 * The JSON the templates, harness-config and project APIs answer with, as the lib modules that
 * produce them declare it (type-only imports: nothing of lib/ reaches the browser bundle).
 */
import type { TemplateJson, TemplateFile } from "@/lib/templates/schemas";
import type { HarnessConfigJson } from "@/lib/harness-configs/schemas";
import type { BroadcastResult, MemberJson, ProjectJson } from "@/lib/projects/schemas";
import type { ProjectCounts } from "@/lib/projects/to-project-json";

export type { TemplateJson, TemplateFile, HarnessConfigJson, BroadcastResult, ProjectCounts };
export type ConfigScope = TemplateJson["scope"];
/** A project as GET /projects lists it. */
export type ProjectItem = ProjectJson;
export type ProjectMemberJson = MemberJson;

/** Where a template or harness config lives, as its badge says it. */
export function scopeLabel(scope: ConfigScope, userId: string | null, viewerId: string): string {
  if (scope === "hub") return "hub";
  if (scope === "project") return "project";
  return userId === viewerId ? "mine" : "user";
}
