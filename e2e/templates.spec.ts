import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { devApi } from "./support/dev-api";

async function axeProblems(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

test.describe.configure({ mode: "serial" });
test.setTimeout(180_000);

test("templates: create one with previewed instructions, clone it into a project, a slug clash and an in-use delete are refused, start an agent from it", async ({
  page,
  request,
}, testInfo) => {
  const project = await devApi<{ id: string; slug: string }>(request, "POST", "/api/v1/projects", {
    name: "Template Journey",
  });
  // The secret the template names, stored as the dev user's: the dialog says it is present.
  await devApi(request, "POST", "/api/v1/secrets", { name: "E2E_TEMPLATE_TOKEN", value: "t0ken", scope: "user" });

  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Templates" }).click();
  await expect(page).toHaveURL(/\/templates$/);
  await expect(page.getByRole("heading", { level: 1, name: "Templates" })).toBeVisible();
  const table = page.getByRole("table", { name: "Templates" });
  // The built-in hub templates, read-only.
  const builtIn = table.locator('tr[data-template="claude-code"]');
  await expect(builtIn.locator('[data-scope="hub"]')).toBeVisible();
  await expect(builtIn).toContainText("built-in");
  await expect(builtIn.getByRole("button", { name: /^Delete/ })).toHaveCount(0);
  expect(await axeProblems(page)).toEqual([]);

  await page.getByRole("button", { name: "New template" }).click();
  const editor = page.getByRole("dialog", { name: "New template" });
  await editor.getByLabel("Name", { exact: true }).fill("Echo helper");
  await editor.getByLabel("Harness", { exact: true }).selectOption("shell");
  await editor
    .getByLabel("Instructions", { exact: true })
    .fill("# Rules\n- be **brief**\n- use `echo`\n<b>not html</b>");
  await editor.getByRole("button", { name: "Preview" }).click();
  const preview = editor.getByRole("region", { name: "Instructions preview" });
  await expect(preview.locator("strong")).toHaveText("brief");
  await expect(preview.locator("code")).toHaveText("echo");
  await expect(preview.getByRole("listitem")).toHaveCount(2);
  // Rendered as text, never as HTML.
  await expect(preview).toContainText("<b>not html</b>");
  await expect(preview.locator("b")).toHaveCount(0);
  await editor.getByLabel("Secrets it needs").fill("E2E_TEMPLATE_TOKEN");
  await page.screenshot({ path: testInfo.outputPath("template-editor.png"), fullPage: true });
  expect(await axeProblems(page)).toEqual([]);
  await editor.getByRole("button", { name: "Create template" }).click();
  await expect(page.getByText("Created template Echo helper.")).toBeVisible();
  const mine = table.locator('tr[data-template="echo-helper"]');
  await expect(mine.locator('[data-scope="mine"]')).toBeVisible();

  // Search narrows the list.
  await page.getByLabel("Search templates").fill("echo");
  await expect(table.locator("tbody tr")).toHaveCount(1);
  await page.getByLabel("Search templates").fill("");

  await mine.getByRole("button", { name: "Clone template Echo helper" }).click();
  const clone = page.getByRole("dialog", { name: "Clone template Echo helper" });
  await expect(clone.getByLabel("Name of the copy")).toHaveValue("Echo helper copy");
  await clone.getByLabel("Scope").selectOption("project");
  await clone.getByLabel("Project", { exact: true }).selectOption(project.id);
  await clone.getByRole("button", { name: "Clone" }).click();
  await expect(page.getByText("Cloned Echo helper as Echo helper copy.")).toBeVisible();
  const copy = table.locator('tr[data-template="echo-helper-copy"]');
  await expect(copy.locator('[data-scope="project"]')).toHaveText("project: Template Journey");

  // The same slug again in the same scope: the hub's 409 sentence, in the dialog.
  await mine.getByRole("button", { name: "Clone template Echo helper" }).click();
  await clone.getByLabel("Slug").fill("echo-helper-copy");
  await clone.getByLabel("Scope").selectOption("project");
  await clone.getByLabel("Project", { exact: true }).selectOption(project.id);
  await clone.getByRole("button", { name: "Clone" }).click();
  await expect(clone.getByRole("alert")).toContainText("echo-helper-copy already exists");
  await clone.getByRole("button", { name: "Cancel" }).click();

  // In use as the project's default: delete is refused with the hub's sentence naming the project.
  const { items } = await devApi<{ items: Array<{ id: string; slug: string }> }>(
    request,
    "GET",
    `/api/v1/templates?scope=project&projectId=${project.id}`,
  );
  const copyId = items.find((t) => t.slug === "echo-helper-copy")!.id;
  await devApi(request, "PATCH", `/api/v1/projects/${project.id}`, { defaultTemplateId: copyId });
  await copy.getByRole("button", { name: "Delete template Echo helper copy" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete template Echo helper copy?" });
  await confirm.getByRole("button", { name: "Delete" }).click();
  await expect(confirm.getByRole("alert")).toContainText(/Template Journey|template-journey/);
  await confirm.getByRole("button", { name: "Close" }).click();
  await expect(copy).toBeVisible();

  // Start an agent from the copy: picked first in the dialog (which also picks its project).
  await page.goto("/agents");
  await page.getByRole("button", { name: "New agent" }).click();
  const dialog = page.getByRole("dialog", { name: "New agent" });
  await dialog.getByLabel("Search templates").fill("echo helper copy");
  await expect(dialog.getByRole("group", { name: "Project templates" })).toBeVisible();
  await expect(dialog.getByRole("group", { name: "Hub templates" })).toHaveCount(0);
  await dialog.getByRole("radio", { name: "Echo helper copy" }).check();
  await expect(dialog.getByLabel("Project", { exact: true })).toHaveValue(project.id);
  await expect(dialog.locator('[data-secret="E2E_TEMPLATE_TOKEN"]')).toContainText("present (yours)");
  await dialog.getByLabel("Name", { exact: true }).fill("from-template");
  await page.screenshot({ path: testInfo.outputPath("create-from-template.png"), fullPage: true });
  expect(await axeProblems(page)).toEqual([]);
  await dialog.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/, { timeout: 60_000 });
  await expect(page.getByRole("heading", { level: 1, name: "from-template" })).toBeVisible();
  const state = page.getByRole("region", { name: "State" });
  await expect(state).toContainText("Echo helper copy");
  await expect(state).toContainText("Local developer");
  await expect(page.locator("header [data-status]")).not.toHaveAttribute("data-status", "Error");
});

test("harness configs: create one, a built-in one is read-only, delete with confirmation", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Harness configs" }).click();
  await expect(page).toHaveURL(/\/harness-configs$/);
  const table = page.getByRole("table", { name: "Harness configs" });
  await table
    .locator('tr[data-config="claude-code"]')
    .getByRole("button", { name: /^View harness config / })
    .click();
  const view = page.getByRole("dialog", { name: /^Harness config / });
  await expect(view).toContainText("Built-in: read-only");
  await expect(view.getByLabel("Name", { exact: true })).toBeDisabled();
  await view.getByRole("button", { name: "Close" }).click();

  await page.getByRole("button", { name: "New harness config" }).click();
  const editor = page.getByRole("dialog", { name: "New harness config" });
  await editor.getByLabel("Name", { exact: true }).fill("Quiet Claude");
  await editor.getByLabel("Harness", { exact: true }).selectOption("claude");
  await editor.getByLabel("Model").fill("claude-sonnet-4-5");
  await editor.getByLabel("Settings").fill('{"hooks": {}}');
  await editor.getByRole("button", { name: "Create harness config" }).click();
  // Keys the hub writes itself are refused, naming them.
  await expect(editor.getByRole("alert")).toContainText("hooks");
  await editor.getByLabel("Settings").fill('{"includeCoAuthoredBy": false}');
  await editor.getByRole("button", { name: "Create harness config" }).click();
  await expect(page.getByText("Created harness config Quiet Claude.")).toBeVisible();
  const row = table.locator('tr[data-config="quiet-claude"]');
  await expect(row.locator('[data-scope="mine"]')).toBeVisible();
  expect(await axeProblems(page)).toEqual([]);

  await row.getByRole("button", { name: "Delete harness config Quiet Claude" }).click();
  await page
    .getByRole("dialog", { name: "Delete harness config Quiet Claude?" })
    .getByRole("button", { name: "Delete" })
    .click();
  await expect(page.getByText("Deleted harness config Quiet Claude.")).toBeVisible();
  await expect(row).toHaveCount(0);
});
