/*
 * The JSON the templates, harness-config and project APIs answer with (docs/api.md, the issue 12
 * contracts). Declared here, as the dashboard reads them, until the lib modules that produce them
 * export their own types; then these become `import type` re-exports.
 */

export type ConfigScope = "hub" | "project" | "user";

export interface TemplateFile {
  path: string;
  content: string;
  target: "workspace" | "home";
}

export interface TemplateJson {
  id: string;
  slug: string;
  name: string;
  description: string | null;
  scope: ConfigScope;
  projectId: string | null;
  userId: string | null;
  harnessConfigId: string | null;
  /** Effective: its own, or its harness config's. */
  harness: string | null;
  model: string | null;
  task: string | null;
  instructions: string | null;
  systemPrompt: string | null;
  env: Record<string, string>;
  secrets: string[];
  limits: { maxTurns?: number; maxDurationMinutes?: number };
  image: string | null;
  files: TemplateFile[];
  builtIn: boolean;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface HarnessConfigJson {
  id: string;
  slug: string;
  name: string;
  description: string | null;
  scope: ConfigScope;
  projectId: string | null;
  userId: string | null;
  harness: string;
  model: string | null;
  authType: string | null;
  settings: Record<string, unknown>;
  env: Record<string, string>;
  builtIn: boolean;
  createdBy?: string | null;
  createdAt?: string;
  updatedAt?: string;
}

export interface ProjectCounts {
  running: number;
  waitingForInput: number;
  total: number;
}

/** A project as GET /projects lists it once issue 12's fields are in (each optional until then). */
export interface ProjectItem {
  id: string;
  slug: string;
  name: string;
  gitRemote: string | null;
  defaultBrokerId: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  counts?: ProjectCounts;
  visibility?: "hub" | "members";
  defaultBranch?: string | null;
  defaultTemplateId?: string | null;
  env?: Record<string, string>;
  gitTokenSecret?: string | null;
  role?: "admin" | "manager" | "member" | null;
}

export interface ProjectMemberJson {
  userId: string;
  email: string;
  name: string | null;
  role: "member" | "manager";
  createdAt: string;
}

export interface BroadcastResult {
  total: number;
  delivered: number;
  queued: number;
  failed: number;
  results: Array<{ agentId: string; name: string; status: "delivered" | "queued" | "failed"; error?: string }>;
}

/** Where a template or harness config lives, as its badge says it. */
export function scopeLabel(scope: ConfigScope, userId: string | null, viewerId: string): string {
  if (scope === "hub") return "hub";
  if (scope === "project") return "project";
  return userId === viewerId ? "mine" : "user";
}
