/**
 * How an agent's state reads to a person. A running agent shows its activity (when it has one),
 * anything else its phase; each with a human label, a colour and, for work in progress, a pulse.
 */
export type StatusTone = "green" | "amber" | "red" | "blue" | "grey";

export interface StatusDisplay {
  label: string;
  tone: StatusTone;
  pulse: boolean;
}

const PHASES: Record<string, StatusDisplay> = {
  created: { label: "Created", tone: "grey", pulse: false },
  provisioning: { label: "Provisioning", tone: "amber", pulse: true },
  cloning: { label: "Cloning", tone: "amber", pulse: true },
  starting: { label: "Starting", tone: "amber", pulse: true },
  running: { label: "Running", tone: "green", pulse: false },
  stopping: { label: "Stopping", tone: "amber", pulse: true },
  stopped: { label: "Stopped", tone: "grey", pulse: false },
  error: { label: "Error", tone: "red", pulse: false },
};

const ACTIVITIES: Record<string, StatusDisplay> = {
  idle: { label: "Idle", tone: "green", pulse: false },
  thinking: { label: "Thinking", tone: "blue", pulse: true },
  executing: { label: "Executing", tone: "blue", pulse: true },
  waiting_for_input: { label: "Waiting for input", tone: "amber", pulse: false },
  blocked: { label: "Blocked", tone: "grey", pulse: false },
  completed: { label: "Completed", tone: "green", pulse: false },
  limits_exceeded: { label: "Limits exceeded", tone: "red", pulse: false },
  stalled: { label: "Stalled", tone: "amber", pulse: false },
  offline: { label: "Offline", tone: "grey", pulse: false },
};

/**
 * A running agent's activity, with the tool it runs ("Running Bash") when its harness said which;
 * an agent the hub stopped over its limits still says so (the reason is what a person needs).
 */
export function agentStatus(agent: { phase: string; activity: string | null; detail?: string | null }): StatusDisplay {
  if (agent.phase === "stopped" && agent.activity === "limits_exceeded") return ACTIVITIES.limits_exceeded!;
  if (agent.phase === "running" && agent.activity === "executing" && agent.detail?.trim())
    return { ...ACTIVITIES.executing!, label: `Running ${toolName(agent.detail)}` };
  if (agent.phase === "running" && agent.activity && ACTIVITIES[agent.activity]) return ACTIVITIES[agent.activity]!;
  return PHASES[agent.phase] ?? { label: humanize(agent.phase), tone: "grey", pulse: false };
}

export function phaseLabel(phase: string): string {
  return PHASES[phase]?.label ?? humanize(phase);
}

export function activityLabel(activity: string): string {
  return ACTIVITIES[activity]?.label ?? humanize(activity);
}

/** The detail of `executing` is the tool's name; a long one is cut so the badge stays a badge. */
function toolName(detail: string): string {
  const name = detail.trim().split("\n")[0]!;
  return name.length > 32 ? `${name.slice(0, 31)}…` : name;
}

function humanize(value: string): string {
  const text = value.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The phase filter chips of the agent list: label and the phases each one means. */
export const PHASE_FILTERS = [
  { id: "all", label: "All", phase: undefined },
  { id: "running", label: "Running", phase: "running" },
  { id: "starting", label: "Starting", phase: "starting" },
  { id: "stopped", label: "Stopped", phase: "stopped" },
  { id: "error", label: "Error", phase: "error" },
  { id: "created", label: "Created", phase: "created" },
] as const;

export type PhaseFilterId = (typeof PHASE_FILTERS)[number]["id"];

/** The terminal needs a running agent that is not known to be offline. */
export function canOpenTerminal(agent: { phase: string; activity: string | null }): boolean {
  return agent.phase === "running" && agent.activity !== "offline";
}
