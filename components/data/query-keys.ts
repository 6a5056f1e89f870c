import type { QueryKey } from "@tanstack/react-query";
import type { SecretJson } from "@/lib/secrets/schemas";

/*
 * Every TanStack Query key of the dashboard, one factory per domain. Each domain's keys begin with
 * its root (`agentKeys.all`), so invalidating the root refreshes everything of that domain: the
 * mutations do it after a change, the event stream (keysForEvent) when the hub reports one.
 */

export const agentKeys = {
  all: ["agents"] as const,
  list: (params: Record<string, string>) => [...agentKeys.all, "list", params] as const,
  detail: (id: string) => [...agentKeys.all, "detail", id] as const,
  history: (id: string) => [...agentKeys.all, "history", id] as const,
  git: (id: string) => [...agentKeys.all, "git", id] as const,
};

/** Agents' screens: a root of their own, so the agent events that refresh lists do not refetch every preview. */
export const screenKeys = {
  all: ["screens"] as const,
  of: (agentId: string) => [...screenKeys.all, agentId] as const,
};

export const messageKeys = {
  all: ["messages"] as const,
  ofAgent: (agentId: string) => [...messageKeys.all, agentId] as const,
};

/** The viewer's inbox: under messages, so an agent's new message refreshes the tray too. */
export const inboxKeys = {
  all: [...messageKeys.all, "inbox"] as const,
};

export const projectKeys = {
  all: ["projects"] as const,
  list: () => [...projectKeys.all, "list"] as const,
  detail: (id: string) => [...projectKeys.all, "detail", id] as const,
};

/** A project's members (their own domain: adding one changes no project field). */
export const memberKeys = {
  all: ["members"] as const,
  ofProject: (projectId: string) => [...memberKeys.all, projectId] as const,
};

export const templateKeys = {
  all: ["templates"] as const,
  list: (params: Record<string, string> = {}) => [...templateKeys.all, "list", params] as const,
  detail: (id: string) => [...templateKeys.all, "detail", id] as const,
};

export const harnessConfigKeys = {
  all: ["harness-configs"] as const,
  list: (params: Record<string, string> = {}) => [...harnessConfigKeys.all, "list", params] as const,
  detail: (id: string) => [...harnessConfigKeys.all, "detail", id] as const,
};

/** The viewer's API tokens. */
export const tokenKeys = {
  all: ["tokens"] as const,
  list: () => [...tokenKeys.all, "list"] as const,
};

export const scheduleKeys = {
  all: ["schedules"] as const,
  list: () => [...scheduleKeys.all, "list"] as const,
  runs: (id: string) => [...scheduleKeys.all, "runs", id] as const,
};

export const brokerKeys = {
  all: ["brokers"] as const,
  list: () => [...brokerKeys.all, "list"] as const,
};

export const secretKeys = {
  all: ["secrets"] as const,
  scope: (scope: SecretJson["scope"], projectId?: string) => [...secretKeys.all, scope, projectId ?? null] as const,
};

export const harnessKeys = {
  all: ["harnesses"] as const,
};

export const userKeys = {
  all: ["users"] as const,
  list: () => [...userKeys.all, "list"] as const,
};

export const maintenanceKeys = {
  all: ["maintenance"] as const,
  runs: () => [...maintenanceKeys.all, "runs"] as const,
  run: (id: string) => [...maintenanceKeys.all, "run", id] as const,
};

/**
 * The queries an event from the hub makes stale, by its subject's first word
 * (`agent.<id>.status` → every agent query); null for a subject no query shows.
 */
export function keysForEvent(subject: string): QueryKey | null {
  switch (subject.split(".")[0]) {
    case "agent":
    case "project":
      return agentKeys.all;
    case "message":
      return messageKeys.all;
    case "inbox":
      return inboxKeys.all;
    case "schedule":
      return scheduleKeys.all;
    case "broker":
      return brokerKeys.all;
    case "maintenance":
      return maintenanceKeys.all;
    default:
      return null;
  }
}
