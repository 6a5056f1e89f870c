import type { Prisma } from "../db/generated/client";
import { openAgentEnv, type AgentEnv } from "../agents/agent-env";
import { KEY_LABELS } from "../auth/derive-key";
import { openWith } from "../brokers/secret-box";
import { describeMissing, findHarness, satisfiedAuthType } from "../harnesses/registry";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";
import { chosenAuthTypeOf, requiredSecretsOf } from "../templates/template-snapshot";

/** What a start hands the broker (agent.start `credentials`): env entries, and 0600 files in the agent's HOME. */
export interface AgentCredentials {
  env: Record<string, string>;
  files: Array<{ path: string; value: string }>;
}

/** An agent, or one about to be created: its own env map comes sealed (a row) or in clear (a create body). */
export interface CredentialSubject {
  harness: string;
  projectId: string;
  /** `user:<id>` (agents are owned by people); anything else gets no user secrets. */
  ownerId: string;
  envSealed?: string | null;
  legacyEnv?: unknown;
  env?: AgentEnv;
  /** What it was created from: the secrets its template names, the auth type its harness config chose. */
  templateSnapshot?: unknown;
  /** Secrets (by name) its create request named, besides its template's. */
  requiredSecrets?: readonly string[];
}

const SCOPE_RANK = { hub: 0, project: 1, user: 2 } as const;

/**
 * The credentials an agent starts with: the hub's secrets, overridden by its project's, overridden
 * by its owner's own (an env secret by its name, a file secret by its path) — except the project's
 * git token, which git gets through the broker's askpass helper and the agent never sees. When the harness
 * needs credentials that neither these nor the agent's own env provide, 422 missing_credentials
 * naming what would do, before anything is written or sent to a broker.
 */
export async function resolveAgentCredentials(
  runtime: HubRuntime,
  agent: CredentialSubject,
): Promise<AgentCredentials> {
  const ownerUserId = agent.ownerId.startsWith("user:") ? agent.ownerId.slice("user:".length) : null;
  const scopes: Prisma.SecretWhereInput[] = [{ scope: "hub" }, { scope: "project", projectId: agent.projectId }];
  if (ownerUserId) scopes.push({ scope: "user", userId: ownerUserId });
  const [projectAndOwnSecrets, project] = await Promise.all([
    runtime.prisma.secret.findMany({
      where: { OR: scopes },
      select: { id: true, name: true, scope: true, target: true, path: true, valueSealed: true },
    }),
    runtime.prisma.project.findUnique({ where: { id: agent.projectId }, select: { gitTokenSecret: true } }),
  ]);
  // The project's git token reaches git through the broker's askpass helper only, never the agent's env.
  const rows = projectAndOwnSecrets.filter((r) => !(r.scope === "project" && r.name === project?.gitTokenSecret));
  rows.sort((a, b) => SCOPE_RANK[a.scope] - SCOPE_RANK[b.scope]);

  const env: Record<string, string> = {};
  const files = new Map<string, string>();
  const names = new Set<string>();
  for (const row of rows) {
    let value: string;
    try {
      value = openWith(runtime.sessionSecret, KEY_LABELS.secretStore, row.valueSealed);
    } catch {
      // Sealed under another SESSION_SECRET (or altered): unusable, so it counts as absent.
      runtime.logger.warn(
        { secretId: row.id, name: row.name, scope: row.scope },
        "a secret cannot be opened with this hub's key; it is skipped",
      );
      continue;
    }
    names.add(row.name);
    if (row.target === "file" && row.path) files.set(row.path, value);
    else env[row.name] = value;
  }
  const credentials = { env, files: [...files].map(([path, value]) => ({ path, value })) };

  // The secrets the agent's template and its create request name must be in the store (by name), whatever the harness needs.
  const fromTemplate = requiredSecretsOf(agent.templateSnapshot);
  const required = [...new Set([...fromTemplate, ...(agent.requiredSecrets ?? [])])];
  const secrets = required.filter((name) => !names.has(name));
  const who = secrets.every((name) => fromTemplate.includes(name)) ? "The template needs" : "The agent needs";
  const secretsMessage = secrets.length
    ? `${who} ${secrets.length === 1 ? "the secret" : "the secrets"} ${secrets.join(", ")}, which the secret store does not have.`
    : "";
  const found = findHarness(agent.harness);
  // A harness config that chose an auth type asks for that one's credentials only.
  const authType = chosenAuthTypeOf(agent.templateSnapshot, agent.harness);
  const harness =
    found && authType && found.authTypes.some((a) => a.type === authType)
      ? { ...found, authTypes: found.authTypes.filter((a) => a.type === authType) }
      : found;
  if (harness) {
    const own =
      agent.env ??
      openAgentEnv(runtime.sessionSecret, { envSealed: agent.envSealed ?? null, legacyEnv: agent.legacyEnv });
    if (!satisfiedAuthType(harness, { env: [...Object.keys(env), ...Object.keys(own)], files: files.keys() })) {
      const missing = harness.authTypes.map((a) =>
        [...a.requiredEnv, ...a.requiredFiles.map((f) => `~/${f}`)].join(" and "),
      );
      throw new ApiError("missing_credentials", [`${describeMissing(harness)}.`, secretsMessage].join(" ").trim(), {
        harness: harness.id,
        missing,
        ...(secrets.length && { secrets }),
      });
    }
  }
  if (secrets.length) throw new ApiError("missing_credentials", secretsMessage, { secrets });
  return credentials;
}

/** Whether a start has anything to hand over (a broker that predates credentials never sees an empty set). */
export function hasCredentials(c: AgentCredentials): boolean {
  return Object.keys(c.env).length > 0 || c.files.length > 0;
}
