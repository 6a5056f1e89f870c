import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintAgentToken } from "../../lib/auth/agent-token";
import type { HarnessJson } from "../../lib/harnesses/list-harnesses";
import { anonymous, startTestHub, type TestHub, type TestUser } from "../start-test-hub";

let t: TestHub;
let alice: TestUser;
let suspended: TestUser;
const brokers: Record<"reported" | "unreported" | "shellOnly", string> = {
  reported: "",
  unreported: "",
  shellOnly: "",
};

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;

beforeAll(async () => {
  t = await startTestHub();
  [alice, suspended] = await Promise.all([t.createUser(), t.createUser({ status: "suspended" })]);
  const { prisma } = t.hub.runtime;
  // What the hub stores when a broker reports its harnesses (capabilities.harnessStatus), and brokers that never did.
  const make = (name: string, capabilities: object) =>
    prisma.runtimeBroker.create({ data: { name, slug: name, status: "online", capabilities } });
  brokers.reported = (
    await make("a-reported", {
      runtimes: ["local"],
      harnesses: ["shell", "generic", "claude", "codex"],
      harnessStatus: {
        claude: { available: true, version: "2.1.332", installed: true },
        codex: { available: false, version: null, installed: false },
        shell: { available: true, version: null, installed: true },
      },
    })
  ).id;
  brokers.unreported = (
    await make("b-unreported", { runtimes: ["local"], harnesses: ["shell", "generic", "claude"] })
  ).id;
  brokers.shellOnly = (await make("c-shell-only", { runtimes: ["docker"], harnesses: ["shell"] })).id;
});
afterAll(async () => {
  await t?.close();
});

const list = async (user = alice) =>
  (await json<{ items: HarnessJson[] }>(await user.request("/api/v1/harnesses"))).items;
const on = (h: HarnessJson | undefined, brokerId: string) => h?.brokers.find((b) => b.brokerId === brokerId);

describe("GET /api/v1/harnesses", () => {
  it("lists every harness in display order with its name, kind, auth types and how the model is chosen", async () => {
    const items = await list();
    expect(items.map((h) => [h.id, h.name, h.kind])).toEqual([
      ["claude", "Claude Code", "assistant"],
      ["gemini", "Gemini CLI", "assistant"],
      ["codex", "Codex", "assistant"],
      ["shell", "Shell", "shell"],
      ["generic", "Command", "command"],
    ]);
    const claude = items.find((h) => h.id === "claude")!;
    expect(claude.authTypes).toContainEqual({
      type: "api-key",
      label: "Anthropic API key",
      requiredEnv: ["ANTHROPIC_API_KEY"],
      requiredFiles: [],
    });
    expect(claude.authTypes).toContainEqual(
      expect.objectContaining({ requiredEnv: [], requiredFiles: [".claude/.credentials.json"] }),
    );
    expect(claude.modelChoice).toBe("--model flag");
    expect(items.find((h) => h.id === "shell")!.authTypes).toEqual([]);
    // Every harness names every broker, by name.
    for (const h of items) expect(h.brokers.map((b) => b.name)).toEqual(["a-reported", "b-unreported", "c-shell-only"]);
  });

  it("availability per broker comes from what the broker reported; without a report only the shell and a command it lists", async () => {
    const items = await list();
    const h = (id: string) => items.find((x) => x.id === id);
    expect(on(h("claude"), brokers.reported)).toEqual({
      brokerId: brokers.reported,
      name: "a-reported",
      available: true,
      version: "2.1.332",
    });
    expect(on(h("codex"), brokers.reported)).toMatchObject({ available: false, version: null });
    // Listed but not reported (a broker from before harness reports): an assistant is not available yet.
    expect(on(h("claude"), brokers.unreported)).toMatchObject({ available: false, version: null });
    expect(on(h("gemini"), brokers.reported)).toMatchObject({ available: false, version: null });
    expect(on(h("shell"), brokers.unreported)).toMatchObject({ available: true, version: null });
    expect(on(h("generic"), brokers.unreported)).toMatchObject({ available: true, version: null });
    expect(on(h("generic"), brokers.reported)).toMatchObject({ available: true, version: null });
    expect(on(h("shell"), brokers.shellOnly)).toMatchObject({ available: true });
    expect(on(h("generic"), brokers.shellOnly)).toMatchObject({ available: false });
  });

  it("a new report from a broker shows at once (the listing reads the stored status)", async () => {
    await t.hub.runtime.prisma.runtimeBroker.update({
      where: { id: brokers.unreported },
      data: {
        capabilities: {
          runtimes: ["local"],
          harnesses: ["shell", "generic", "claude"],
          harnessStatus: { claude: { available: true, version: "2.1.400", installed: true } },
        },
      },
    });
    expect(
      on(
        (await list()).find((h) => h.id === "claude"),
        brokers.unreported,
      ),
    ).toMatchObject({ available: true, version: "2.1.400" });
  });

  it("is for signed-in people: 401 without credentials, 403 for a suspended person and for an agent token", async () => {
    expect((await anonymous(t)("/api/v1/harnesses")).status).toBe(401);
    const refused = await suspended.request("/api/v1/harnesses");
    expect(refused.status).toBe(403);
    expect((await json<{ error: { code: string } }>(refused)).error.code).toBe("forbidden");
    const project = await json<{ id: string }>(
      await alice.request("/api/v1/projects", { method: "POST", json: { name: "harness-list" } }),
    );
    const agent = await json<{ id: string }>(
      await alice.request("/api/v1/agents", { method: "POST", json: { projectId: project.id, name: "lister" } }),
    );
    const row = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: agent.id } });
    const { token } = await mintAgentToken(t.hub.runtime.sessionSecret, row);
    expect((await fetch(`${t.url}/api/v1/harnesses`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
      403,
    );
  });
});
