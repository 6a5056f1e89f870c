import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { devApi } from "./support/dev-api";
import { devSql } from "./support/dev-db";

/**
 * The harness picker of the new-agent dialog, the refusal of an assistant without credentials,
 * and how an agent's activity and last output read in the list and on its page. The agent's
 * activity and last output are written into the database as its harness's hooks would report them.
 */
const PROJECT = "Harness journeys";

async function axeProblems(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

async function shot(page: Page, testInfo: TestInfo, name: string) {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}

// A cold dev hub on a busy machine: the first page and axe take a while.
test.describe.configure({ mode: "serial", timeout: 90_000 });

let projectId: string;

test.beforeAll(async ({ request }) => {
  projectId = (await devApi<{ id: string }>(request, "POST", "/api/v1/projects", { name: PROJECT })).id;
});

// The other journeys count agents and running agents: leave none behind.
test.afterAll(async ({ request }) => {
  const { items } = await devApi<{ items: Array<{ id: string }> }>(
    request,
    "GET",
    `/api/v1/agents?projectId=${projectId}&limit=100`,
  );
  for (const a of items) await devApi(request, "DELETE", `/api/v1/agents/${a.id}`);
  await devApi(request, "DELETE", `/api/v1/projects/${projectId}`);
});

test("the dialog lists the harnesses with their availability on the chosen broker, and model and limits for assistants", async ({
  page,
}, testInfo) => {
  await page.goto("/");
  await page.getByRole("button", { name: "New agent" }).click();
  const dialog = page.getByRole("dialog", { name: "New agent" });
  const harness = dialog.getByLabel("Harness", { exact: true });
  // The list comes from GET /api/v1/harnesses (names, not ids).
  await expect(harness.locator("option")).toHaveText([
    "Claude Code",
    "Gemini CLI",
    "Codex",
    "Shell (a login shell)",
    "Command (any program)",
  ]);
  await dialog.getByLabel("Broker").selectOption({ label: "Local broker (online)" });
  await harness.selectOption("shell");
  await expect(dialog.getByText("Shell is available on Local broker.")).toBeVisible();
  await expect(dialog.getByLabel("Model")).toHaveCount(0);
  await harness.selectOption("claude");
  await expect(dialog.locator("#harness-availability")).toContainText("Claude Code");
  await expect(dialog.getByLabel("Model")).toBeVisible();
  await expect(dialog.getByLabel("Max turns")).toBeVisible();
  await expect(dialog.getByLabel("Max minutes")).toBeVisible();
  await shot(page, testInfo, "harness-dialog");
  expect(await axeProblems(page)).toEqual([]);
});

// Needs the hub's credential check (422 missing_credentials, SECRETS' branch) to pass.
test("creating a Claude Code agent without a secret shows what is missing and a link to add it", async ({
  page,
}, testInfo) => {
  await page.goto("/");
  await page.getByRole("button", { name: "New agent" }).click();
  const dialog = page.getByRole("dialog", { name: "New agent" });
  await dialog.getByLabel("Name").fill("claude-without-key");
  await dialog.locator(`select[name="projectId"]`).selectOption({ label: PROJECT });
  await dialog.getByLabel("Harness", { exact: true }).selectOption("claude");
  await dialog.getByLabel("Task").fill("Write hello.txt");
  await dialog.getByLabel("Model").fill("claude-sonnet-4-5");
  await dialog.getByLabel("Max turns").fill("3");
  await dialog.getByRole("button", { name: "Create agent" }).click();
  const alert = dialog.getByRole("alert");
  await expect(alert).toContainText("Claude Code needs ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN");
  await expect(alert.getByRole("link", { name: "Add a secret" })).toHaveAttribute("href", "/secrets");
  await expect(page).toHaveURL(/\/$/);
  await shot(page, testInfo, "missing-credentials");
  expect(await axeProblems(page)).toEqual([]);
});

test("an agent's activity badge and last output: one line in the list, all of it on its page", async ({
  page,
  request,
}, testInfo) => {
  const agent = await devApi<{ id: string; phase: string }>(request, "POST", "/api/v1/agents", {
    projectId,
    name: "reporter",
    harness: "shell",
    start: true,
  });
  expect(agent.phase).toBe("running");
  const output = `Done: wrote hello.txt with the greeting.\nSecond paragraph of the answer, ${"long enough to be cut off in the list ".repeat(6)}end.`;
  const report = (activity: string, detail: string | null) =>
    devSql(
      `UPDATE agents SET activity = $2, detail = $3, "lastOutput" = $4, "stateVersion" = "stateVersion" + 1 WHERE id = $1`,
      [agent.id, activity, detail, output],
    );

  await report("executing", "Bash");
  await page.goto("/");
  await page.getByLabel("Search agents").fill("reporter");
  const row = page.locator("tbody tr", { has: page.getByRole("link", { name: "reporter", exact: true }) });
  await expect(row.locator("[data-status]")).toHaveAttribute("data-status", "Running Bash");
  const line = row.locator("[data-last-output]");
  await expect(line).toContainText("Done: wrote hello.txt with the greeting. Second paragraph");
  // One line, cut with an ellipsis.
  expect(
    await line.evaluate((el) => ({
      overflow: getComputedStyle(el).textOverflow,
      cut: el.scrollWidth > el.clientWidth,
      lines: Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)),
    })),
  ).toEqual({ overflow: "ellipsis", cut: true, lines: 1 });
  await shot(page, testInfo, "list-running-bash");

  for (const [activity, label] of [
    ["thinking", "Thinking"],
    ["idle", "Idle"],
    ["waiting_for_input", "Waiting for input"],
    ["completed", "Completed"],
    ["limits_exceeded", "Limits exceeded"],
  ] as const) {
    await report(activity, null);
    await page.reload();
    await page.getByLabel("Search agents").fill("reporter");
    await expect(row.locator("[data-status]")).toHaveAttribute("data-status", label);
  }

  await row.getByRole("link", { name: "reporter", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "reporter" })).toBeVisible();
  const full = page.getByRole("region", { name: "Last output" }).locator("[data-last-output]");
  await expect(full).toHaveText(output);
  expect(await full.evaluate((el) => getComputedStyle(el).whiteSpace)).toBe("pre-wrap");
  // A shell is no assistant: nothing to interrupt.
  await expect(page.getByRole("button", { name: "Interrupt" })).toHaveCount(0);
  await shot(page, testInfo, "agent-last-output");
  expect(await axeProblems(page)).toEqual([]);
});
