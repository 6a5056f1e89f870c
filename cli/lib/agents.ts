/**
 * Agents as people name them on the command line: `project/slug`, a slug (when it is unique among
 * the agents the caller sees) or an id. Also the projects and brokers lists an agent table needs.
 */
import type { AgentJson } from "../../lib/agents/schemas";
import type { BrokerJson } from "../../lib/brokers/schemas";
import type { ProjectJson } from "../../lib/projects/schemas";
import type { HubClient } from "./client";
import { CliError } from "./errors";

export type Agent = AgentJson;
export type Project = ProjectJson;
export type Broker = BrokerJson;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

export async function resolveAgent(client: HubClient, ref: string): Promise<Agent> {
  if (isUuid(ref)) return client.get<Agent>(`/api/v1/agents/${ref}`);
  const slash = ref.indexOf("/");
  if (slash > 0) {
    const project = encodeURIComponent(ref.slice(0, slash));
    const agent = encodeURIComponent(ref.slice(slash + 1));
    return client.get<Agent>(`/api/v1/projects/${project}/agents/${agent}`);
  }
  const page = await client.get<{ items: Agent[] }>("/api/v1/agents", { q: ref, limit: 500 });
  const matches = page.items.filter((a) => a.slug === ref.toLowerCase() || a.name === ref);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new CliError(`no agent ${JSON.stringify(ref)} (name it as project/slug or by id)`);
  const projects = await projectSlugs(client);
  throw new CliError(
    `${JSON.stringify(ref)} names ${matches.length} agents: ${matches.map((a) => `${projects.get(a.projectId) ?? a.projectId}/${a.slug}`).join(", ")}; say which as project/slug`,
  );
}

export async function resolveProject(client: HubClient, ref: string): Promise<Project> {
  return client.get<Project>(`/api/v1/projects/${encodeURIComponent(ref)}`);
}

export async function resolveBroker(client: HubClient, ref: string): Promise<Broker> {
  if (isUuid(ref)) return client.get<Broker>(`/api/v1/runtime-brokers/${ref}`);
  const brokers = await client.all<Broker>("/api/v1/runtime-brokers");
  const found = brokers.find((b) => b.name === ref);
  if (!found) throw new CliError(`no runtime broker named ${JSON.stringify(ref)}`);
  return found;
}

export async function projectSlugs(client: HubClient): Promise<Map<string, string>> {
  const projects = await client.all<Project>("/api/v1/projects");
  return new Map(projects.map((p) => [p.id, p.slug]));
}

export const agentRef = (agent: Agent, projects: Map<string, string>) =>
  `${projects.get(agent.projectId) ?? agent.projectId.slice(0, 8)}/${agent.slug}`;
