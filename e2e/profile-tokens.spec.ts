import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";

async function axeProblems(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

test.describe.configure({ mode: "serial" });
// The accessibility scan alone can take tens of seconds on a busy two-core machine.
test.setTimeout(120_000);

test("profile: create an API token (shown once, copied), use it, revoke it; your secrets are there too", async ({
  page,
  request,
}, testInfo) => {
  await page.goto("/agents");
  // `/agents` is the agent list too (people coming from Scion type it).
  await expect(page.getByRole("heading", { level: 1, name: "Agents" })).toBeVisible();
  await page.getByRole("button", { name: "Local developer" }).click();
  await page.getByRole("menuitem", { name: "Profile and API tokens" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole("heading", { level: 1, name: "Profile" })).toBeVisible();
  await expect(page.getByText("dev@localhost")).toBeVisible();
  // Your secrets: the Secrets page's own section, for the user scope.
  await expect(page.getByRole("form", { name: "Add or replace a secret: Your secrets" })).toBeVisible();

  const form = page.getByRole("form", { name: "New API token" });
  await form.getByLabel("Token name").fill("e2e laptop");
  await form.getByLabel("Expires in").selectOption("30");
  await form.getByRole("button", { name: "Create token" }).click();
  const shown = page.getByRole("region", { name: "New token" });
  await expect(shown).toContainText("Copy it now: it is not shown again.");
  const token = await shown.getByLabel("Token value").inputValue();
  expect(token).toMatch(/^scion_u_[\w-]+\.[\w-]+\.[\w-]+$/);
  const expected = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  await expect(shown).toContainText(`Expires on ${expected}`);

  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await shown.getByRole("button", { name: "Copy token" }).click();
  await expect(shown.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);

  const row = page.getByRole("table", { name: "API tokens" }).getByRole("row").filter({ hasText: "e2e laptop" });
  await expect(row).toContainText(token.slice(-6));
  await expect(row).toContainText(expected);
  await page.screenshot({ path: testInfo.outputPath("profile-token-created.png"), fullPage: true });
  expect(await axeProblems(page)).toEqual([]);

  // The token acts as its owner.
  const me = await request.get("/api/v1/auth/me", { headers: { authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).email).toBe("dev@localhost");

  // Shown once: after a reload the value is nowhere on the page, only its last characters.
  await page.reload();
  await expect(row).toBeVisible();
  expect(await page.content()).not.toContain(token);
  await expect(page.getByRole("region", { name: "New token" })).toHaveCount(0);

  await row.getByRole("button", { name: "Revoke token e2e laptop" }).click();
  await page.getByRole("dialog", { name: "Revoke token e2e laptop?" }).getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByText("Revoked token e2e laptop.")).toBeVisible();
  await expect(row).toHaveCount(0);
  const after = await request.get("/api/v1/auth/me", { headers: { authorization: `Bearer ${token}` } });
  expect(after.status()).toBe(401);
});
