import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { devApi } from "./support/dev-api";

/**
 * Issue 14 in the dashboard: multi-select in the agent list (a click and a shift-click select a
 * range) and a bulk stop with its confirmation, progress and results; the screen preview in the
 * list; the agent page's live Screen panel and its Logs tab.
 */
async function axeProblems(page: Page, exclude?: string): Promise<string[]> {
  const builder = new AxeBuilder({ page });
  if (exclude) builder.exclude(exclude);
  const results = await builder.analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}
const shot = (page: Page, testInfo: TestInfo, name: string) =>
  page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });

test.describe.configure({ mode: "serial" });
// Each journey starts real agents (a user, a workspace and a tmux session each) first.
test.setTimeout(120_000);

let projectId: string;
const SHELL = { harness: "generic", command: "PS1='$ ' exec bash --norc --noprofile -i" };

test.beforeAll(async ({ request }) => {
  projectId = (await devApi<{ id: string }>(request, "POST", "/api/v1/projects", { name: "Bulk journeys" })).id;
});

test("select agents with a click and a shift-click, stop them in bulk, see the results", async ({
  page,
  request,
}, testInfo) => {
  const names = ["bulk-one", "bulk-two", "bulk-three"];
  for (const name of names)
    await devApi(request, "POST", "/api/v1/agents", {
      projectId,
      name,
      harness: "generic",
      command: "exec cat",
      start: true,
    });
  await page.goto("/");
  for (const name of names)
    await expect(page.locator(`tr[data-agent="${name}"] [data-status]`)).toHaveAttribute("data-status", "Idle");

  await page.getByRole("checkbox", { name: "Select bulk-one" }).click();
  await page.getByRole("checkbox", { name: "Select bulk-three" }).click({ modifiers: ["Shift"] });
  for (const name of names) await expect(page.getByRole("checkbox", { name: `Select ${name}` })).toBeChecked();
  const toolbar = page.getByRole("toolbar", { name: "Bulk actions" });
  await expect(toolbar.getByText("3 agents selected")).toBeVisible();
  await shot(page, testInfo, "bulk-selected");
  expect(await axeProblems(page)).toEqual([]);

  await toolbar.getByRole("button", { name: "Stop", exact: true }).click();
  const confirm = page.getByRole("dialog", { name: "Stop 3 agents?" });
  await expect(confirm).toBeVisible();
  await confirm.getByRole("button", { name: "Stop 3 agents" }).click();
  const results = page.locator('[data-bulk-results="done"]');
  await expect(results).toContainText("Stopped 3 of 3", { timeout: 30_000 });
  await expect(page.getByRole("progressbar", { name: "Bulk action progress" })).toHaveAttribute("aria-valuenow", "3");
  await expect(results.locator('[data-bulk-result="ok"]')).toHaveCount(3);
  for (const name of names)
    await expect(page.locator(`tr[data-agent="${name}"] [data-status]`)).toHaveAttribute("data-status", "Stopped");
  await shot(page, testInfo, "bulk-stopped");
});

test("the list previews an agent's screen; its page shows the screen live and follows its logs", async ({
  page,
  request,
}, testInfo) => {
  const agent = await devApi<{ id: string }>(request, "POST", "/api/v1/agents", {
    projectId,
    name: "looker",
    start: true,
    ...SHELL,
  });
  await devApi(request, "POST", `/api/v1/agents/${agent.id}/messages`, { body: "echo first-$((40+2))" });

  await page.goto("/");
  await page.getByRole("button", { name: "Preview the screen of looker" }).click();
  await expect(page.getByRole("region", { name: "Screen of looker" })).toContainText("first-42");
  await shot(page, testInfo, "list-screen-preview");

  await page.goto(`/agents/${agent.id}`);
  const screen = page.getByRole("tabpanel").locator("[data-screen]");
  await expect(screen).toContainText("first-42");
  // Live: what the agent prints next shows without a reload.
  await devApi(request, "POST", `/api/v1/agents/${agent.id}/messages`, { body: "echo second-$((50+5))" });
  await expect(screen).toContainText("second-55", { timeout: 10_000 });
  await shot(page, testInfo, "agent-screen-panel");
  expect(await axeProblems(page, "[data-screen]")).toEqual([]);

  await page.getByRole("tab", { name: "Logs" }).click();
  const logs = page.locator("[data-logs]");
  await expect(logs).toContainText("second-55");
  await expect(page.locator('[data-logs-state="live"]')).toBeVisible();
  await devApi(request, "POST", `/api/v1/agents/${agent.id}/messages`, { body: "echo third-$((60+6))" });
  await expect(logs).toContainText("third-66", { timeout: 10_000 });
  await shot(page, testInfo, "agent-logs-tab");
  expect(await axeProblems(page, "[data-logs]")).toEqual([]);
  await devApi(request, "POST", "/api/v1/agents/bulk", { action: "delete", ids: [agent.id] });
});
