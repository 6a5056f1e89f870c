import type { AgentJson } from "../../lib/agents/schemas";

type Phase = AgentJson["phase"];

/**
 * The agent phases of API.md, in lifecycle order. Written out here so the command line does not
 * load the hub's zod schemas at start-up; the check below fails to compile if they drift apart.
 */
export const PHASES = [
  "created",
  "provisioning",
  "cloning",
  "starting",
  "running",
  "stopping",
  "stopped",
  "error",
] as const satisfies readonly Phase[];
export const phasesListed: Exclude<Phase, (typeof PHASES)[number]> extends never ? true : never = true;

/** Phases an agent passes through on its way somewhere; anything else is where it settled. */
export const MOVING: readonly Phase[] = ["provisioning", "cloning", "starting", "stopping"];
