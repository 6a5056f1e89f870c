import { describe, expect, it } from "vitest";
import type { Principal } from "../../../../lib/auth/principal";
import { canReadEvent } from "../../../../lib/events/can-read-event";

const person = (
  id: string,
  role: "admin" | "member" = "member",
  status: "active" | "suspended" = "active",
): Principal => ({
  kind: "user",
  via: "token",
  user: { id, email: `${id}@example.com`, name: null, role, status },
});

const PROJECT = "11111111-1111-4111-8111-111111111111";
const OTHER_PROJECT = "22222222-2222-4222-8222-222222222222";
const AGENT = "33333333-3333-4333-8333-333333333333";
const agentEvent = (projectId?: string) => ({
  subject: `agent.${AGENT}.status`,
  data: { id: AGENT, ownerId: "user:owner", ...(projectId && { projectId }) },
});
const messageEvent = {
  subject: `message.${AGENT}.created`,
  data: { agentId: AGENT, ownerId: "user:owner", projectId: PROJECT },
};
const projectEvent = {
  subject: `project.${PROJECT}.agent.status`,
  data: { id: AGENT, ownerId: "user:owner", projectId: PROJECT },
};

describe("canReadEvent - project members", () => {
  it("a member of the agent's project reads its agent, project-agent and message events", () => {
    const members = new Set([PROJECT]);
    expect(canReadEvent(person("member"), agentEvent(PROJECT), members)).toBe(true);
    expect(canReadEvent(person("member"), projectEvent, members)).toBe(true);
    expect(canReadEvent(person("member"), messageEvent, members)).toBe(true);
  });

  it("someone in another project, or an event without its project, is refused", () => {
    expect(canReadEvent(person("member"), agentEvent(PROJECT), new Set([OTHER_PROJECT]))).toBe(false);
    expect(canReadEvent(person("member"), agentEvent(), new Set([PROJECT]))).toBe(false);
    expect(canReadEvent(person("member"), messageEvent)).toBe(false);
  });

  it("a suspended member reads nothing; the owner and admins read without membership", () => {
    expect(canReadEvent(person("member", "member", "suspended"), agentEvent(PROJECT), new Set([PROJECT]))).toBe(false);
    expect(canReadEvent(person("owner"), agentEvent(PROJECT))).toBe(true);
    expect(canReadEvent(person("root", "admin"), agentEvent(PROJECT))).toBe(true);
  });

  it("an agent token reads only its own agent's events, whatever project it is in", () => {
    const self: Principal = { kind: "agent", agentId: AGENT, scopes: [] };
    const sibling: Principal = { kind: "agent", agentId: "44444444-4444-4444-8444-444444444444", scopes: [] };
    expect(canReadEvent(self, agentEvent(PROJECT), new Set([PROJECT]))).toBe(true);
    expect(canReadEvent(sibling, agentEvent(PROJECT), new Set([PROJECT]))).toBe(false);
  });
});
