import type { z } from "zod";
import type { Principal } from "../auth/principal";
import type { HubRuntime } from "../runtime/hub-runtime";

/** What a running operation may do: write its log, report progress, learn it was asked to stop. */
export interface RunContext {
  runtime: HubRuntime;
  principal: Principal;
  requestId?: string;
  log(line: string): void;
  progress(progress: Record<string, unknown>): void;
  isAborted(): boolean;
}

/** A parameter as the admin form shows it; the zod schema is what validates it. */
export interface ParamSpec {
  name: string;
  label: string;
  type: "number";
  default: number;
  min: number;
  max: number;
}

/**
 * One maintenance operation, in a file of its own; lib/maintenance/operations.ts lists them.
 * It validates its parameters, logs what it does, and checks for an abort between steps; its
 * return value is the run's result.
 */
export interface MaintenanceOperationSpec {
  key: string;
  title: string;
  description: string;
  category: "quick-action" | "operation";
  params: ParamSpec[];
  schema: z.ZodType<Record<string, unknown>>;
  run(ctx: RunContext, params: Record<string, unknown>): Promise<unknown>;
}

export const numberParam = (p: Omit<ParamSpec, "type">) => ({ ...p, type: "number" as const });
