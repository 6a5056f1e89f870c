import { describe, expect, it } from "vitest";
import { agentStatus } from "../../../components/agents/agent-status";

describe("the status a person reads for an agent", () => {
  it("is the activity while it runs, with the tool it executes", () => {
    expect(agentStatus({ phase: "running", activity: "executing", detail: "Bash" }).label).toBe("Running Bash");
    expect(agentStatus({ phase: "running", activity: "waiting_for_input" }).label).toBe("Waiting for input");
    expect(agentStatus({ phase: "running", activity: "limits_exceeded" })).toMatchObject({
      label: "Limits exceeded",
      tone: "red",
    });
  });

  it("is the phase at rest, except that an agent stopped over its limits still says why", () => {
    expect(agentStatus({ phase: "stopped", activity: null }).label).toBe("Stopped");
    expect(agentStatus({ phase: "stopped", activity: "idle" }).label).toBe("Stopped");
    expect(agentStatus({ phase: "stopped", activity: "limits_exceeded", detail: "maxTurns 3 reached" })).toMatchObject({
      label: "Limits exceeded",
      tone: "red",
    });
    expect(agentStatus({ phase: "error", activity: "limits_exceeded" }).label).toBe("Error");
  });
});
