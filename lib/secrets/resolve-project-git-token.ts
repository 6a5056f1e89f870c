import { KEY_LABELS } from "../auth/derive-key";
import { openWith } from "../brokers/secret-box";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";

/**
 * Checked before anything is written or stopped (create with start, restart): a project that names
 * a git token it does not have refuses the start with 422 missing_credentials.
 */
export async function assertProjectGitToken(runtime: HubRuntime, projectId: string): Promise<void> {
  const project = await runtime.prisma.project.findUnique({
    where: { id: projectId },
    select: { gitRemote: true, gitTokenSecret: true },
  });
  if (project?.gitRemote && project.gitTokenSecret) await projectGitToken(runtime, projectId, project.gitTokenSecret);
}

/**
 * The value of the project secret a project names as its git token (Project.gitTokenSecret), which
 * agent.start hands the broker sealed with its other args; missing or unopenable, 422
 * missing_credentials naming it.
 */
export async function projectGitToken(runtime: HubRuntime, projectId: string, name: string): Promise<string> {
  const row = await runtime.prisma.secret.findFirst({
    where: { scope: "project", projectId, name },
    select: { valueSealed: true },
  });
  let value: string | null = null;
  if (row) {
    try {
      value = openWith(runtime.sessionSecret, KEY_LABELS.secretStore, row.valueSealed);
    } catch {
      runtime.logger.warn({ projectId, name }, "the project's git token cannot be opened with this hub's key");
    }
  }
  if (!value)
    throw new ApiError(
      "missing_credentials",
      `The project's git token (the project secret ${name}) is missing; add it, or clear the project's git token setting.`,
      { missing: [name] },
    );
  return value;
}
