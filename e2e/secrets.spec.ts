import crypto from "node:crypto";
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
// The accessibility scan alone can take tens of seconds on a busy two-core machine.
test.setTimeout(120_000);

test("secrets: add one from the nav, see it listed without its value, replace it, delete it", async ({
  page,
  request,
}, testInfo) => {
  const first = `sk-e2e-${crypto.randomBytes(12).toString("hex")}`;
  const second = `sk-e2e-${crypto.randomBytes(12).toString("hex")}`;
  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Secrets" }).click();
  await expect(page).toHaveURL(/\/secrets$/);
  await expect(page.getByRole("heading", { name: "Secrets", level: 1 })).toBeVisible();

  const form = page.getByRole("form", { name: "Add or replace a secret: Your secrets" });
  await form.getByLabel("Name").fill("ANTHROPIC_API_KEY");
  await expect(form.getByLabel("Value")).toHaveAttribute("type", "password");
  await form.getByLabel("Value").fill(first);
  await form.getByRole("button", { name: "Save secret" }).click();
  await expect(page.getByText("Added secret ANTHROPIC_API_KEY.")).toBeVisible();
  const mine = page.getByRole("table", { name: "Your secrets" });
  const row = mine.getByRole("row").filter({ hasText: "ANTHROPIC_API_KEY" });
  await expect(row).toContainText("Environment variable");
  // Saved: the field is cleared, and the value is nowhere on the page.
  await expect(form.getByLabel("Value")).toHaveValue("");
  expect(await page.content()).not.toContain(first);
  await page.screenshot({ path: testInfo.outputPath("secrets-added.png"), fullPage: true });
  expect(await axeProblems(page)).toEqual([]);

  await row.getByRole("button", { name: "Replace secret ANTHROPIC_API_KEY" }).click();
  await expect(form.getByLabel("Name")).toHaveValue("ANTHROPIC_API_KEY");
  await expect(form.getByLabel("Value")).toBeFocused();
  await form.getByLabel("Value").fill(second);
  await form.getByRole("button", { name: "Save secret" }).click();
  await expect(page.getByText("Replaced secret ANTHROPIC_API_KEY.")).toBeVisible();
  await expect(mine.getByRole("row").filter({ hasText: "ANTHROPIC_API_KEY" })).toHaveCount(1);
  const { items } = await devApi<{ items: Array<{ name: string; value?: string }> }>(
    request,
    "GET",
    "/api/v1/secrets?scope=user",
  );
  expect(items.map((s) => s.name)).toEqual(["ANTHROPIC_API_KEY"]);
  // Stored sealed: the replaced value is what the database holds, and only as ciphertext.
  const { rows } = await devSql(
    `SELECT "valueSealed" FROM secrets WHERE name = 'ANTHROPIC_API_KEY' AND scope = 'user'`,
  );
  expect(rows).toHaveLength(1);
  expect(String(rows[0].valueSealed)).toMatch(/^v1\./);
  expect(await page.content()).not.toContain(second);

  await page.reload();
  expect(await page.content()).not.toContain(second);
  await page
    .getByRole("table", { name: "Your secrets" })
    .getByRole("button", { name: "Delete secret ANTHROPIC_API_KEY" })
    .click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
  await expect(page.getByText("Deleted secret ANTHROPIC_API_KEY.")).toBeVisible();
  await expect(page.getByRole("table", { name: "Your secrets" })).toHaveCount(0);
  expect((await devApi<{ items: unknown[] }>(request, "GET", "/api/v1/secrets?scope=user")).items).toEqual([]);
});

test("secrets: a file secret for a project picked on the page, and a hub secret as admin", async ({
  page,
  request,
}, testInfo) => {
  const project = await devApi<{ id: string; name: string }>(request, "POST", "/api/v1/projects", {
    name: `secrets-e2e-${crypto.randomBytes(3).toString("hex")}`,
  });
  await page.goto("/secrets");
  await page.getByLabel("Project", { exact: true }).selectOption(project.id);
  await expect(page).toHaveURL(new RegExp(`/secrets\\?project=${project.id}$`));
  const form = page.getByRole("form", { name: `Add or replace a secret: Project secrets: ${project.name}` });
  await form.getByLabel("Name").fill("claude-credentials");
  await form.getByLabel("Kind").selectOption("file");
  await form.getByLabel("Path in HOME").fill(".claude/.credentials.json");
  await form.getByLabel("Value").fill('{"token":"e2e"}');
  await form.getByRole("button", { name: "Save secret" }).click();
  await expect(page.getByRole("table", { name: `Project secrets: ${project.name}` })).toContainText(
    "~/.claude/.credentials.json",
  );

  // A bad name is refused with the hub's reason, next to the form.
  const hub = page.getByRole("form", { name: "Add or replace a secret: Hub secrets" });
  await hub.getByLabel("Name").fill("PATH");
  await hub.getByLabel("Value").fill("x");
  await hub.getByRole("button", { name: "Save secret" }).click();
  await expect(hub.getByRole("alert")).toContainText(
    "name: PATH is set by the hub or the system and cannot be a secret",
  );
  await hub.getByLabel("Name").fill("GEMINI_API_KEY");
  await hub.getByLabel("Value").fill("hub-e2e-value");
  await hub.getByRole("button", { name: "Save secret" }).click();
  await expect(page.getByRole("table", { name: "Hub secrets" })).toContainText("GEMINI_API_KEY");
  await page.screenshot({ path: testInfo.outputPath("secrets-project-hub.png"), fullPage: true });
  expect(await axeProblems(page)).toEqual([]);

  for (const s of (await devApi<{ items: Array<{ id: string }> }>(request, "GET", "/api/v1/secrets?scope=hub")).items)
    await devApi(request, "DELETE", `/api/v1/secrets/${s.id}`);
});
