import crypto from "node:crypto";
import { expect, test, type Locator } from "@playwright/test";
import { devApi } from "./support/dev-api";
import { startSlowModelServer, type SlowModelServer } from "./support/slow-model-server";

/**
 * What a new person does on a hub with nothing of theirs on it, counted: make a project, store
 * their Anthropic key, start a Claude Code agent from the built-in template, see it answer. Every
 * click and choice in a select counts as a click; every field typed into counts as a field. The
 * model server on loopback stands in for Anthropic's API: its address is the one thing set through
 * the API (a real user never needs it).
 */
const MARK = crypto.randomBytes(4).toString("hex");
const PROJECT = `First steps ${MARK}`;
const TASK = `FIRST-AGENT-${MARK}: say hello.`;
const ANSWER = `Hello from the first agent (${MARK}).`;

let model: SlowModelServer;
const secretIds: string[] = [];
let projectId: string | undefined;
let agentId: string | undefined;

test.describe.configure({ mode: "serial", timeout: 300_000 });

test.beforeAll(async ({ request }) => {
  model = await startSlowModelServer({ delayMs: 0, script: [{ when: `FIRST-AGENT-${MARK}`, text: ANSWER }] });
  secretIds.push(
    (
      await devApi<{ id: string }>(request, "POST", "/api/v1/secrets", {
        name: "ANTHROPIC_BASE_URL",
        value: model.url,
        scope: "user",
        target: "env",
      })
    ).id,
  );
});

test.afterAll(async ({ request }) => {
  try {
    if (agentId) await devApi(request, "DELETE", `/api/v1/agents/${agentId}`);
    if (projectId) await devApi(request, "DELETE", `/api/v1/projects/${projectId}`);
    const { items } = await devApi<{ items: Array<{ id: string; name: string; scope: string }> }>(
      request,
      "GET",
      "/api/v1/secrets?scope=user",
    );
    for (const s of items) if (s.name === "ANTHROPIC_API_KEY") secretIds.push(s.id);
    for (const id of secretIds) await devApi(request, "DELETE", `/api/v1/secrets/${id}`);
  } finally {
    await model?.close();
  }
});

test("from nothing to a running Claude Code agent from the built-in template, in clicks", async ({ page }) => {
  let clicks = 0;
  let fields = 0;
  const click = async (target: Locator) => {
    clicks++;
    await target.click();
  };
  const choose = async (target: Locator, option: { label: string }) => {
    clicks++;
    await target.selectOption(option);
  };
  const type = async (target: Locator, text: string) => {
    fields++;
    await target.fill(text);
  };
  const nav = page.getByRole("navigation", { name: "Main" });

  await page.goto("/");
  // A project.
  await click(nav.getByRole("link", { name: "Projects" }));
  const newProject = page.getByRole("form", { name: "New project" });
  await type(newProject.getByLabel("Name"), PROJECT);
  await click(newProject.getByRole("button", { name: "Create project" }));
  await expect(page.getByRole("link", { name: PROJECT })).toBeVisible();

  // The key the template's harness needs.
  await click(nav.getByRole("link", { name: "Secrets" }));
  const secret = page.getByRole("form", { name: "Add or replace a secret: Your secrets" });
  await type(secret.getByLabel("Name"), "ANTHROPIC_API_KEY");
  await type(secret.getByLabel("Value"), `sk-ant-first-${crypto.randomBytes(12).toString("hex")}`);
  await click(secret.getByRole("button", { name: "Save secret" }));
  await expect(page.getByText("Added secret ANTHROPIC_API_KEY.")).toBeVisible();

  // The agent, from the built-in template.
  await click(nav.getByRole("link", { name: "Agents" }));
  await click(page.getByRole("button", { name: "New agent" }));
  const dialog = page.getByRole("dialog", { name: "New agent" });
  await click(dialog.getByRole("radio", { name: "Claude Code" }));
  await expect(dialog.locator('[data-template-choice="claude-code"]')).toBeVisible();
  await type(dialog.getByLabel("Name", { exact: true }), "first");
  await choose(dialog.getByLabel("Project", { exact: true }), { label: PROJECT });
  await type(dialog.getByLabel("Task"), TASK);
  const began = Date.now();
  await click(dialog.getByRole("button", { name: "Create agent" }));

  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/, { timeout: 180_000 });
  agentId = page.url().split("/").at(-1)!;
  const state = page.getByRole("region", { name: "State" });
  await expect(state).toContainText("Claude Code");
  await expect(page.getByRole("region", { name: "Last output" }).locator("[data-last-output]")).toHaveText(ANSWER, {
    timeout: 120_000,
  });
  const answered = Date.now() - began;
  const agent = await devApi<{ phase: string; template: { slug: string } | null; projectId: string }>(
    page.request,
    "GET",
    `/api/v1/agents/${agentId}`,
  );
  projectId = agent.projectId;
  expect(agent).toMatchObject({ phase: "running", template: { slug: "claude-code" } });
  expect(model.turns().some((r) => r.userTexts.some((u) => u.includes(TASK)))).toBe(true);
  // The figure the issue asks for; the assertion keeps it from growing unnoticed.
  expect({ clicks, fields }).toEqual({ clicks: 9, fields: 5 });
  console.log(
    `first agent: ${clicks} clicks and ${fields} typed fields from an empty hub to a running Claude Code agent from the built-in template; its answer ${answered} ms after Create`,
  );
});
