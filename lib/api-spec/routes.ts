import { z } from "zod";
import {
  agentSchema,
  agentStatusBody,
  createAgentBody,
  createProjectAgentBody,
  listAgentsQuery,
  restartAgentBody,
  updateAgentBody,
} from "../agents/schemas";
import { agentLogsQuery, agentLogsSchema } from "../agents/agent-logs";
import { agentScreenQuery, agentScreenSchema } from "../agents/agent-screen";
import { bulkAgentsBody, bulkSummarySchema } from "../agents/bulk-agents";
import { brokerSchema, joinBrokerBody, listBrokersQuery, registerBrokerBody } from "../brokers/schemas";
import { harnessSchema } from "../harnesses/list-harnesses";
import type { RouteAccess } from "../http/api-route";
import { listRunsQuery } from "../maintenance/list-runs";
import { listMessagesQuery, sendMessageBody } from "../messages/schemas";
import { createProjectBody, listProjectsQuery, projectSchema, updateProjectBody } from "../projects/schemas";
import { createSecretBody, listSecretsQuery, secretSchema } from "../secrets/schemas";
import { apiTokenSchema, createApiTokenBody } from "../tokens/schemas";
import { listUsersQuery, updateUserBody, userSchema } from "../users/schemas";

/**
 * Every HTTP route of the API with its access class and the zod schemas that validate it: the
 * source of /api/v1/openapi.json, and the list the authorization-matrix and fuzz tests drive.
 * Access "agent-self" marks machine routes only the named agent's own token may call.
 */
export interface ApiRouteSpec {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  summary: string;
  access: RouteAccess | "agent-self";
  body?: z.ZodType;
  query?: z.ZodType;
  response?: z.ZodType;
  status?: number;
}

const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
const me = z.object({
  id: z.uuid(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  role: z.enum(["admin", "member"]).nullable(),
  status: z.enum(["active", "suspended"]),
  kind: z.enum(["user", "agent"]),
});
const createdToken = z.object({ id: z.uuid(), token: z.string(), expiresAt: z.iso.datetime() });
const refreshedToken = z.object({
  token: z.string(),
  expiresAt: z.iso.datetime(),
  tokens: z.array(z.object({ type: z.literal("scion_access"), token: z.string(), expiresAt: z.iso.datetime() })),
});

export const API_ROUTES: ApiRouteSpec[] = [
  { method: "GET", path: "/api/v1/version", summary: "Product and database schema version", access: "public" },
  { method: "GET", path: "/api/v1/openapi.json", summary: "This API's OpenAPI 3.1 description", access: "public" },
  { method: "GET", path: "/api/v1/auth/providers", summary: "How to sign in to this hub", access: "public" },
  { method: "GET", path: "/api/v1/auth/me", summary: "The caller", access: "any", response: me },
  { method: "POST", path: "/api/v1/auth/logout", summary: "End the browser session", access: "public" },
  {
    method: "GET",
    path: "/api/v1/tokens",
    summary: "The caller's API tokens",
    access: "user",
    response: z.object({ items: z.array(apiTokenSchema) }),
  },
  {
    method: "POST",
    path: "/api/v1/tokens",
    summary: "Mint an API token (shown once)",
    access: "user",
    body: createApiTokenBody,
    response: createdToken,
    status: 201,
  },
  {
    method: "DELETE",
    path: "/api/v1/tokens/{id}",
    summary: "Revoke one of the caller's tokens",
    access: "user",
    status: 204,
  },
  {
    method: "GET",
    path: "/api/v1/secrets",
    summary: "Secret metadata of one scope (never values)",
    access: "user",
    query: listSecretsQuery,
    response: z.object({ items: z.array(secretSchema) }),
  },
  {
    method: "POST",
    path: "/api/v1/secrets",
    summary: "Create (201) or replace (200) a secret; answers its metadata",
    access: "user",
    body: createSecretBody,
    response: secretSchema,
    status: 201,
  },
  {
    method: "DELETE",
    path: "/api/v1/secrets/{id}",
    summary: "Delete a secret (its writers)",
    access: "user",
    status: 204,
  },
  {
    method: "GET",
    path: "/api/v1/users",
    summary: "Users (admin)",
    access: "admin",
    query: listUsersQuery,
    response: page(userSchema),
  },
  {
    method: "PATCH",
    path: "/api/v1/users/{id}",
    summary: "Change a user's role or status (admin)",
    access: "admin",
    body: updateUserBody,
    response: userSchema,
  },
  {
    method: "GET",
    path: "/api/v1/projects",
    summary: "Projects",
    access: "user",
    query: listProjectsQuery,
    response: page(projectSchema),
  },
  {
    method: "POST",
    path: "/api/v1/projects",
    summary: "Create a project",
    access: "user",
    body: createProjectBody,
    response: projectSchema,
    status: 201,
  },
  {
    method: "GET",
    path: "/api/v1/projects/{id}",
    summary: "One project (id or slug)",
    access: "user",
    response: projectSchema,
  },
  {
    method: "PATCH",
    path: "/api/v1/projects/{id}",
    summary: "Change a project (creator or admin)",
    access: "user",
    body: updateProjectBody,
    response: projectSchema,
  },
  {
    method: "DELETE",
    path: "/api/v1/projects/{id}",
    summary: "Delete an empty project (creator or admin)",
    access: "user",
    status: 204,
  },
  {
    method: "GET",
    path: "/api/v1/projects/{id}/agents",
    summary: "A project's agents visible to the caller",
    access: "any",
    query: listAgentsQuery,
    response: page(agentSchema),
  },
  {
    method: "POST",
    path: "/api/v1/projects/{id}/agents",
    summary: "Create an agent in a project",
    access: "any",
    body: createProjectAgentBody,
    response: agentSchema,
    status: 201,
  },
  {
    method: "GET",
    path: "/api/v1/projects/{id}/agents/{agentId}",
    summary: "One agent of a project (slug or id)",
    access: "any",
    response: agentSchema,
  },
  {
    method: "PATCH",
    path: "/api/v1/projects/{id}/agents/{agentId}",
    summary: "Rename or re-task an agent",
    access: "user",
    body: updateAgentBody,
    response: agentSchema,
  },
  {
    method: "DELETE",
    path: "/api/v1/projects/{id}/agents/{agentId}",
    summary: "Delete an agent",
    access: "user",
    status: 204,
  },
  {
    method: "GET",
    path: "/api/v1/agents",
    summary: "Agents visible to the caller",
    access: "any",
    query: listAgentsQuery,
    response: page(agentSchema),
  },
  {
    method: "POST",
    path: "/api/v1/agents",
    summary: "Create an agent",
    access: "any",
    body: createAgentBody,
    response: agentSchema,
    status: 201,
  },
  { method: "GET", path: "/api/v1/agents/{id}", summary: "One agent", access: "any", response: agentSchema },
  {
    method: "PATCH",
    path: "/api/v1/agents/{id}",
    summary: "Rename or re-task an agent (owner or admin)",
    access: "user",
    body: updateAgentBody,
    response: agentSchema,
  },
  {
    method: "DELETE",
    path: "/api/v1/agents/{id}",
    summary: "Delete an agent (owner or admin)",
    access: "user",
    status: 204,
  },
  {
    method: "POST",
    path: "/api/v1/agents/{id}/start",
    summary: "Start an agent on its broker",
    access: "user",
    response: z.object({ agent: agentSchema }),
  },
  {
    method: "POST",
    path: "/api/v1/agents/{id}/stop",
    summary: "Stop an agent",
    access: "user",
    response: z.object({ agent: agentSchema }),
  },
  {
    method: "POST",
    path: "/api/v1/agents/{id}/restart",
    summary: "Restart an agent (resumes its conversation unless fresh)",
    access: "user",
    body: restartAgentBody,
    response: z.object({ agent: agentSchema }),
  },
  {
    method: "POST",
    path: "/api/v1/agents/{id}/interrupt",
    summary: "Interrupt a running agent's current turn (owner or admin)",
    access: "user",
    response: z.object({ agent: agentSchema }),
  },
  {
    method: "GET",
    path: "/api/v1/agents/{id}/screen",
    summary: "The agent's current screen as text (ANSI stripped unless ?ansi=true); whoever sees the agent",
    access: "user",
    query: agentScreenQuery,
    response: agentScreenSchema,
  },
  {
    method: "GET",
    path: "/api/v1/agents/{id}/logs",
    summary:
      "The shim's log and the harness's output: a bounded tail (?tail=N), or with ?follow=true the tail then new lines as Server-Sent Events",
    access: "user",
    query: agentLogsQuery,
    response: agentLogsSchema,
  },
  {
    method: "POST",
    path: "/api/v1/agents/bulk",
    summary:
      "One action (stop, restart, delete, message) on many agents by ids or filter; a result per agent, progress on bulk.{bulkId}.progress",
    access: "user",
    body: bulkAgentsBody,
    response: bulkSummarySchema,
  },
  {
    method: "GET",
    path: "/api/v1/harnesses",
    summary: "Harnesses, their auth types and availability per broker",
    access: "user",
    response: z.object({ items: z.array(harnessSchema) }),
  },
  {
    method: "POST",
    path: "/api/v1/agents/{id}/reset-auth",
    summary: "Give a running agent a fresh token (the old one stops working at once)",
    access: "user",
    response: z.object({
      agentId: z.uuid(),
      ok: z.boolean(),
      signalled: z.boolean(),
      error: z.string().optional(),
      warning: z.string().optional(),
    }),
  },
  {
    method: "GET",
    path: "/api/v1/admin/maintenance/operations",
    summary: "Maintenance operations and their parameters",
    access: "admin",
  },
  {
    method: "POST",
    path: "/api/v1/admin/maintenance/operations/{key}/run",
    summary: "Start a maintenance run (202); progress on maintenance.run.{id}.progress",
    access: "admin",
    body: z.object({ params: z.record(z.string(), z.unknown()).optional() }).strict(),
    status: 202,
  },
  {
    method: "GET",
    path: "/api/v1/admin/maintenance/runs",
    summary: "Maintenance run history, newest first",
    access: "admin",
    query: listRunsQuery,
  },
  {
    method: "GET",
    path: "/api/v1/admin/maintenance/runs/{id}",
    summary: "One maintenance run with its log",
    access: "admin",
  },
  {
    method: "POST",
    path: "/api/v1/admin/maintenance/runs/{id}/abort",
    summary: "Ask a running maintenance run to stop (202)",
    access: "admin",
    status: 202,
  },
  {
    method: "POST",
    path: "/api/v1/admin/agents/reset-auth-all",
    summary:
      "Reset auth for every running agent (bounded concurrency, progress events on maintenance.run.{id}.progress)",
    access: "admin",
    response: z.object({
      runId: z.uuid(),
      total: z.number().int(),
      succeeded: z.number().int(),
      failed: z.number().int(),
      results: z.array(
        z.object({
          agentId: z.uuid(),
          name: z.string(),
          ok: z.boolean(),
          signalled: z.boolean(),
          error: z.string().optional(),
          warning: z.string().optional(),
        }),
      ),
    }),
  },
  {
    method: "GET",
    path: "/api/v1/agents/{id}/history",
    summary: "An agent's last 100 phase/activity changes, newest first",
    access: "any",
    response: z.object({
      items: z.array(
        z.object({
          phase: z.string(),
          activity: z.string().nullable(),
          detail: z.string().nullable(),
          actor: z.string(),
          at: z.iso.datetime(),
        }),
      ),
    }),
  },
  {
    method: "GET",
    path: "/api/v1/agents/{id}/messages",
    summary: "An agent's messages",
    access: "any",
    query: listMessagesQuery,
  },
  {
    method: "POST",
    path: "/api/v1/agents/{id}/messages",
    summary: "Send a message into an agent's session",
    access: "user",
    body: sendMessageBody,
    status: 201,
  },
  {
    method: "POST",
    path: "/api/v1/agents/{id}/status",
    summary: "Report phase, activity, heartbeat (the agent's own token)",
    access: "agent-self",
    body: agentStatusBody,
    response: agentSchema,
  },
  {
    method: "POST",
    path: "/api/v1/agents/{id}/token/refresh",
    summary: "Refresh the agent's token (its own token)",
    access: "agent-self",
    response: refreshedToken,
  },
  {
    method: "GET",
    path: "/api/v1/runtime-brokers",
    summary: "Runtime brokers",
    access: "user",
    query: listBrokersQuery,
    response: page(brokerSchema),
  },
  {
    method: "POST",
    path: "/api/v1/runtime-brokers",
    summary: "Register a broker; returns its one-time join token (admin)",
    access: "admin",
    body: registerBrokerBody,
    response: z.object({ broker: brokerSchema, joinToken: z.string(), expiresAt: z.iso.datetime() }),
    status: 201,
  },
  {
    method: "POST",
    path: "/api/v1/runtime-brokers/join",
    summary: "Redeem a join token for the broker's HMAC secret",
    access: "public",
    body: joinBrokerBody,
    response: z.object({ brokerId: z.uuid(), secret: z.string() }),
  },
  {
    method: "GET",
    path: "/api/v1/runtime-brokers/{id}",
    summary: "One broker",
    access: "user",
    response: brokerSchema,
  },
  {
    method: "DELETE",
    path: "/api/v1/runtime-brokers/{id}",
    summary: "Remove a broker without agents (admin)",
    access: "admin",
    status: 204,
  },
  {
    method: "GET",
    path: "/api/v1/events",
    summary: "Server-Sent Events filtered by what the caller may read (?sub=pattern, repeatable)",
    access: "any",
  },
];
