import type { Agent } from "../db/generated/client";
import { templateRefOf } from "../templates/template-snapshot";
import type { AgentJson } from "./schemas";

export function toAgentJson(a: Agent): AgentJson {
  return {
    id: a.id,
    slug: a.slug,
    name: a.name,
    projectId: a.projectId,
    brokerId: a.brokerId,
    phase: a.phase,
    activity: a.activity,
    detail: a.detail,
    task: a.task,
    harness: a.harness,
    model: a.model,
    templateId: a.templateId,
    template: templateRefOf(a.templateSnapshot),
    secrets: a.requiredSecrets,
    branch: a.branch,
    baseBranch: a.baseBranch,
    limits: (a.limits ?? {}) as AgentJson["limits"],
    lastOutput: a.lastOutput,
    turnCount: a.turnCount,
    createdBy: a.createdBy,
    ownerId: a.ownerId,
    ports: (a.ports ?? {}) as AgentJson["ports"],
    urls: (a.urls ?? {}) as AgentJson["urls"],
    lastSeen: a.lastSeen?.toISOString() ?? null,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
    stateVersion: a.stateVersion,
  };
}
