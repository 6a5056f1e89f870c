import type { Agent, Project } from "../db/generated/client";
import { projectGitToken } from "../secrets/resolve-project-git-token";
import { agentBranchName } from "../net/git-ref-name";
import type { HubRuntime } from "../runtime/hub-runtime";

/** agent.start `workspace`: what the broker needs to make the agent's git workspace (see broker/workspace.ts). */
export interface AgentWorkspaceArgs {
  remote: string;
  projectId: string;
  branch: string;
  /** null: the remote's default branch (the broker answers which it was). */
  baseBranch: string | null;
  /** The project's git token (sealed with the rest of the dispatch's args); absent without one. */
  gitToken?: string;
  author: { name: string; email: string };
}

/**
 * The workspace an agent of a project with a remote starts with: its branch (`scion/<slug>` unless
 * it was created with one), the branch it starts from (the agent's, else the project's default,
 * else the remote's), the project's git token when the project names one, and the owner as the
 * author of its commits. A token the project names but does not have refuses the start (422
 * missing_credentials), before anything changes.
 */
export async function agentWorkspaceArgs(
  runtime: HubRuntime,
  agent: Pick<Agent, "slug" | "ownerId" | "branch" | "baseBranch">,
  project: Pick<Project, "id" | "gitRemote" | "defaultBranch" | "gitTokenSecret"> & { gitRemote: string },
): Promise<AgentWorkspaceArgs> {
  const gitToken = project.gitTokenSecret ? await projectGitToken(runtime, project.id, project.gitTokenSecret) : null;
  return {
    remote: project.gitRemote,
    projectId: project.id,
    branch: agent.branch ?? agentBranchName(agent.slug),
    baseBranch: agent.baseBranch ?? project.defaultBranch ?? null,
    ...(gitToken && { gitToken }),
    author: await authorOf(runtime, agent.ownerId),
  };
}

/** Who an agent's commits are by: its owner (name, else the email's local part; email). */
async function authorOf(runtime: HubRuntime, ownerId: string): Promise<{ name: string; email: string }> {
  const userId = ownerId.startsWith("user:") ? ownerId.slice("user:".length) : null;
  const user = userId
    ? await runtime.prisma.user.findUnique({ where: { id: userId }, select: { name: true, email: true } })
    : null;
  if (!user) return { name: "Scion agent", email: "agent@scion.invalid" };
  return { name: user.name?.trim() || user.email.split("@")[0] || user.email, email: user.email };
}
