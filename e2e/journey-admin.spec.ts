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

test("brokers: the local broker is online with its agents and ports; registering one shows the join command once", async ({
  page,
}, testInfo) => {
  await page.goto("/brokers");
  const local = page.locator('tr[data-broker="local"]');
  await expect(local).toContainText("Online");
  await expect(local).toContainText(/\d+ running/);
  await expect(local).toContainText(/of 1001/);
  await page.getByRole("button", { name: "Register broker" }).click();
  const dialog = page.getByRole("dialog", { name: "Register broker" });
  await dialog.getByLabel("Name").fill("build-box-7");
  await dialog.getByRole("button", { name: "Register" }).click();
  await expect(dialog.getByLabel("Join command")).toContainText(/SCION_JOIN_TOKEN=scion_join_[A-Za-z0-9_-]{43}/);
  await page.screenshot({ path: testInfo.outputPath("brokers-register.png"), fullPage: true });
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(page.locator('tr[data-broker="build-box-7"]')).toContainText("Waiting to join");
  expect(await axeProblems(page)).toEqual([]);
});

test("admin maintenance: reset auth for all running agents with live progress and the per-agent summary; an operation with parameters; the run log", async ({
  page,
  request,
}, testInfo) => {
  const { items } = await devApi<{ items: unknown[] }>(request, "GET", "/api/v1/agents?phase=running&limit=500");
  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
  await expect(page).toHaveURL(/\/admin\/maintenance$/);
  await page.getByRole("button", { name: "Reset Auth — All Running Agents" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Reset all" }).click();
  await expect(page.locator("[data-run-status]")).toHaveAttribute("data-run-status", "completed");
  await expect(page.getByRole("status").filter({ hasText: `${items.length} of ${items.length} agents` })).toBeVisible();
  await expect(page.getByRole("list", { name: "Reset auth results" }).getByRole("listitem")).toHaveCount(
    Math.max(items.length, 1),
  );
  await page.screenshot({ path: testInfo.outputPath("maintenance-reset-all.png"), fullPage: true });
  expect(await axeProblems(page)).toEqual([]);

  const purge = page.getByRole("form", { name: "Purge old messages" });
  await purge.getByLabel("Older than (days)").fill("7");
  await purge.getByRole("button", { name: "Run" }).click();
  await expect(page).toHaveURL(/\/admin\/maintenance\/runs\/[0-9a-f-]{36}$/);
  await expect(page.locator("[data-run-status]")).toHaveAttribute("data-run-status", "completed");
  await expect(page.getByLabel("Run log")).toContainText("deleted 0 messages older than");
  // People by name, never as `user:<uuid>`.
  await expect(page.getByText("by Local developer")).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("maintenance-run.png"), fullPage: true });
  await page.getByRole("link", { name: "← Maintenance" }).click();
  await expect(page.getByRole("link", { name: "Purge old messages" }).first()).toBeVisible();
  const history = page.getByRole("region", { name: "Run history" });
  await expect(history.getByRole("row").filter({ hasText: "Purge old messages" }).first()).toContainText(
    "Local developer",
  );
  await expect(history).not.toContainText("user:");
});

test("admin users: change a role and suspend with confirmation; no controls on your own row", async ({
  page,
}, testInfo) => {
  await devSql(
    `INSERT INTO users (id, email, name, role, status, "createdAt", "updatedAt") VALUES (gen_random_uuid(), 'grace@example.com', 'Grace', 'member', 'active', now(), now()) ON CONFLICT (email) DO NOTHING`,
  );
  await page.goto("/admin/users");
  const me = page.locator('tr[data-user="dev@localhost"]');
  await expect(me).toContainText("Admin (you)");
  await expect(me.getByRole("button")).toHaveCount(0);
  await expect(me.getByRole("combobox")).toHaveCount(0);

  const grace = page.locator('tr[data-user="grace@example.com"]');
  await grace.getByLabel("Role of grace@example.com").selectOption("admin");
  await expect(page.getByRole("dialog", { name: "Make grace@example.com an admin?" })).toBeVisible();
  await page.getByRole("dialog").getByRole("button", { name: "Make admin" }).click();
  await expect(
    page.getByRole("status").filter({ hasText: "grace@example.com is now an admin, active." }),
  ).toBeVisible();

  await grace.getByRole("button", { name: "Suspend" }).click();
  await page.screenshot({ path: testInfo.outputPath("admin-users-suspend.png"), fullPage: true });
  await page.getByRole("dialog").getByRole("button", { name: "Suspend" }).click();
  await expect(grace).toContainText("Suspended");
  await grace.getByRole("button", { name: "Reactivate" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Reactivate" }).click();
  await expect(grace).toContainText("Active");
  expect((await devSql("SELECT role, status FROM users WHERE email = 'grace@example.com'")).rows[0]).toEqual({
    role: "admin",
    status: "active",
  });
  expect(await axeProblems(page)).toEqual([]);
});
