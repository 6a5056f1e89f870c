import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { devApi } from "./support/dev-api";
import { devSql } from "./support/dev-db";

async function axeProblems(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

test.describe.configure({ mode: "serial" });
test.setTimeout(180_000);

test("project page: its agent from a template, a broadcast with results, settings, members, its templates; the list counts running agents", async ({
  page,
  request,
}, testInfo) => {
  const project = await devApi<{ id: string; slug: string }>(request, "POST", "/api/v1/projects", {
    name: "Broadcast Journey",
  });
  const template = await devApi<{ id: string }>(request, "POST", "/api/v1/templates", {
    name: "Journey shell",
    scope: "project",
    projectId: project.id,
    harness: "shell",
    description: "A login shell for the project page journey",
  });
  const agent = await devApi<{ id: string; slug: string; name: string; phase: string }>(
    request,
    "POST",
    "/api/v1/agents",
    { projectId: project.id, name: "listener", templateId: template.id, start: true },
  );
  expect(agent.phase).toBe("running");
  await devSql(
    `INSERT INTO users (id, email, name, role, status, "createdAt", "updatedAt") VALUES (gen_random_uuid(), 'grace@example.com', 'Grace', 'member', 'active', now(), now()) ON CONFLICT (email) DO NOTHING`,
  );

  await page.goto("/projects");
  const row = page.locator(`tr[data-project="${project.slug}"]`);
  await expect(row.locator('[data-count="running"]')).toHaveText("1");
  await expect(row.locator('[data-count="waiting"]')).toHaveText("0");
  await row.getByRole("link", { name: "Broadcast Journey" }).click();
  await expect(page).toHaveURL(new RegExp(`/projects/${project.slug}$`));
  await expect(page.getByRole("heading", { level: 1, name: "Broadcast Journey" })).toBeVisible();

  // Its agents: the agent list, filtered to the project.
  await expect(page.locator(`[data-agent="${agent.slug}"]`)).toBeVisible();
  await expect(page.getByRole("link", { name: "listener", exact: true })).toBeVisible();

  const broadcast = page.getByRole("form", { name: "Broadcast" });
  await broadcast.getByLabel("Message to every running agent").fill("echo hello-from-broadcast");
  await broadcast.getByRole("button", { name: "Send to all" }).click();
  await expect(
    page.getByRole("status").filter({ hasText: "Sent to 1 agent: 1 delivered, 0 queued, 0 failed." }),
  ).toBeVisible();
  const results = page.getByRole("table", { name: "Broadcast results" });
  await expect(results.locator('tr[data-result="delivered"]')).toContainText("listener");
  await page.screenshot({ path: testInfo.outputPath("project-broadcast.png"), fullPage: true });
  expect(await axeProblems(page)).toEqual([]);
  // The message is in the agent's own history.
  const { items: messages } = await devApi<{ items: Array<{ body: string }> }>(
    request,
    "GET",
    `/api/v1/agents/${agent.id}/messages`,
  );
  expect(messages.map((m) => m.body)).toContain("echo hello-from-broadcast");

  const settings = page.getByRole("form", { name: "Project settings" });
  await settings.getByLabel("Default branch").fill("main");
  await settings.getByLabel("Default template").selectOption(template.id);
  await settings.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Saved the project's settings.")).toBeVisible();
  await page.reload();
  await expect(settings.getByLabel("Default branch")).toHaveValue("main");
  await expect(settings.getByLabel("Default template")).toHaveValue(template.id);

  const members = page.getByRole("form", { name: "Add a member" });
  await members.getByLabel("Email").fill("grace@example.com");
  await members.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByText("Added grace@example.com.")).toBeVisible();
  const grace = page.getByRole("table", { name: "Members" }).getByRole("row").filter({ hasText: "grace@example.com" });
  await expect(grace).toContainText("Grace");
  await grace.getByRole("button", { name: "Remove Grace" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Remove" }).click();
  await expect(page.getByText("Removed Grace.")).toBeVisible();
  await expect(grace).toHaveCount(0);

  // The project's templates, here too.
  const templates = page.getByRole("table", { name: "Templates" });
  await expect(templates.getByRole("button", { name: "Journey shell", exact: true })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("project-page.png"), fullPage: true });
  expect(await axeProblems(page)).toEqual([]);
});
