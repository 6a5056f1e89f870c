"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { AgentList } from "../agents/agent-list";
import type { Choice } from "../agents/create-agent-dialog";
import type { AgentPage } from "../agents/list/use-agents-page";
import { api } from "../data/api";
import { projectKeys } from "../data/query-keys";
import type { ScopeProject, Viewer } from "../templates/scoped-parts";
import { TemplatesPage } from "../templates/templates-page";
import type { ProjectItem } from "../templates/types";
import { ProjectBroadcast } from "./project-broadcast";
import { ProjectMembers } from "./project-members";
import { ProjectSettings } from "./project-settings";

/**
 * One project (`/projects/<slug>`): its agents (the agent list, filtered to it), a Broadcast to
 * every running agent (managers), its settings, members and templates.
 */
export function ProjectPage({
  initial,
  agents,
  projects,
  brokers,
  viewer,
  canManage,
}: {
  initial: ProjectItem;
  agents: AgentPage;
  projects: Array<ScopeProject & Choice>;
  brokers: Array<Choice & { status: string }>;
  viewer: Viewer;
  canManage: boolean;
}) {
  const fetched = useQuery({
    queryKey: projectKeys.detail(initial.id),
    queryFn: async () => (await api<ProjectItem>(`/api/v1/projects/${initial.id}`)).body,
  }).data;
  // The API's answer over the server-rendered one; fields it does not carry stay as rendered.
  const project = { ...initial, ...fetched };
  const self = projects.find((p) => p.id === project.id) ?? { ...project, canManage, defaultTemplateId: null };
  return (
    <div className="flex flex-col gap-8">
      <div className="flex flex-col gap-1">
        <Link href="/projects" className="text-sm text-zinc-600 hover:underline dark:text-zinc-400">
          ← Projects
        </Link>
        <h1 className="text-xl font-semibold">{project.name}</h1>
        <p className="flex flex-wrap gap-x-4 text-sm text-zinc-600 dark:text-zinc-400">
          <span className="font-mono text-xs">{project.slug}</span>
          {project.gitRemote && <span className="font-mono text-xs">{project.gitRemote}</span>}
          {project.defaultBranch && <span>branch {project.defaultBranch}</span>}
          <span>{project.visibility === "members" ? "Members only" : "Everyone on the hub"}</span>
        </p>
      </div>
      <AgentList initial={agents} projects={projects} brokers={brokers} projectId={project.id} />
      {canManage && <ProjectBroadcast projectId={project.id} />}
      <ProjectSettings project={project} brokers={brokers} canManage={canManage} />
      <ProjectMembers projectId={project.id} canManage={canManage} />
      <TemplatesPage viewer={viewer} projects={projects} project={{ ...self, canManage }} />
    </div>
  );
}
