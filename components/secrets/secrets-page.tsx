"use client";

import { useRouter } from "next/navigation";
import type { SecretJson } from "@/lib/secrets/schemas";
import { SecretSection } from "./secret-section";

export interface SecretsProject {
  id: string;
  name: string;
  /** The viewer created it or is an admin: they may change its secrets. */
  writable: boolean;
}

/**
 * Credentials for agents: the viewer's own secrets, one project's (picked here; writable by its
 * creator and admins) and the hub's (writable by admins). An agent gets its owner's secrets over
 * its project's over the hub's.
 */
export function SecretsPage({
  mine,
  projects,
  project,
  projectSecrets,
  hubSecrets,
  isAdmin,
}: {
  mine: SecretJson[];
  projects: SecretsProject[];
  project: SecretsProject | null;
  projectSecrets: SecretJson[];
  hubSecrets: SecretJson[];
  isAdmin: boolean;
}) {
  const router = useRouter();
  return (
    <div className="flex flex-col gap-8">
      <div>
        <h1 className="text-xl font-semibold">Secrets</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          API keys and credential files for your agents, sealed at rest and never shown again. At start an agent gets
          its owner&apos;s secrets, over its project&apos;s, over the hub&apos;s.
        </p>
      </div>
      <SecretSection
        view={{ scope: "user", title: "Your secrets", description: "Given to every agent you own.", writable: true }}
        initial={mine}
      />
      <div className="flex flex-col gap-3">
        <div className="flex max-w-sm flex-col gap-1 text-sm">
          <label htmlFor="secrets-project">Project</label>
          <select
            id="secrets-project"
            className="input"
            value={project?.id ?? ""}
            onChange={(e) => router.push(e.target.value ? `/secrets?project=${e.target.value}` : "/secrets")}
          >
            <option value="">Choose a project…</option>
            {projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        {project && (
          <SecretSection
            key={project.id}
            view={{
              scope: "project",
              projectId: project.id,
              title: `Project secrets: ${project.name}`,
              description: project.writable
                ? "Given to every agent of this project."
                : "Given to every agent of this project; its creator or an administrator may change them.",
              writable: project.writable,
            }}
            initial={projectSecrets}
          />
        )}
      </div>
      <SecretSection
        view={{
          scope: "hub",
          title: "Hub secrets",
          description: isAdmin
            ? "Given to every agent on this hub."
            : "Given to every agent on this hub; administrators change them.",
          writable: isAdmin,
        }}
        initial={hubSecrets}
      />
    </div>
  );
}
