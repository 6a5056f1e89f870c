import { execFileSync } from "node:child_process";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { devApi } from "./support/dev-api";
import { LocalRuntime } from "../broker/runtimes/local-runtime";

/**
 * Serious or critical accessibility violations on the page, as readable lines. `exclude` leaves
 * out content that is not ours (what an agent prints in its terminal, in the colours it chose).
 */
async function axeProblems(page: Page, exclude?: string): Promise<string[]> {
  const builder = new AxeBuilder({ page });
  if (exclude) builder.exclude(exclude);
  const results = await builder.analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

async function shot(page: Page, testInfo: TestInfo, name: string) {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}

test.describe.configure({ mode: "serial" });

test("create an agent from the dialog, watch it run, message it, reset its auth", async ({
  page,
  request,
}, testInfo) => {
  await devApi(request, "POST", "/api/v1/projects", { name: "Journeys" });
  await page.goto("/");
  await page.getByRole("button", { name: "New agent" }).click();
  const dialog = page.getByRole("dialog", { name: "New agent" });
  await dialog.getByLabel("Name").fill("echo-bot");
  await dialog.getByLabel("Harness").selectOption("generic");
  await dialog.getByRole("textbox", { name: "Command" }).fill("exec cat");
  await dialog
    .getByLabel("Task")
    .fill(
      "Repeat whatever it is told, which is a long task description that the list should clamp to two lines so the table stays tidy even when people write essays.",
    );
  await shot(page, testInfo, "create-agent-dialog");
  await dialog.getByRole("button", { name: "Create agent" }).click();

  // Creating with start waits until the agent runs (its user, workspace and session are made first).
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  await expect(page.getByRole("heading", { level: 1, name: "echo-bot" })).toBeVisible();
  await expect(page.locator("header [data-status]")).toHaveAttribute("data-status", "Idle");
  await expect(page.getByText("AVAILABLE_LOCALHOST_PORT_A")).toBeVisible();

  await page.getByRole("textbox", { name: "Message" }).fill("hello from the dashboard");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByRole("status").filter({ hasText: "typed into the agent's session" })).toBeVisible();
  await expect(
    page.locator('[data-message="dispatched"]').filter({ hasText: "hello from the dashboard" }),
  ).toBeVisible();

  await page.getByRole("button", { name: "Reset Auth" }).click();
  await expect(
    page.getByRole("status").filter({ hasText: "Reset auth: a new token was written and the agent re-read it." }),
  ).toBeVisible();
  await expect(page.getByRole("list").getByText("Running").first()).toBeVisible();
  await shot(page, testInfo, "agent-detail");
  expect(await axeProblems(page)).toEqual([]);
});

test("the terminal shows the session, survives a restart with a DISCONNECTED overlay that clears", async ({
  page,
}, testInfo) => {
  await page.goto("/");
  await page.getByRole("link", { name: "echo-bot", exact: true }).click();
  // Creating with start waits until the agent runs (its user, workspace and session are made first).
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  const agentUrl = page.url();
  await page.goto(`${agentUrl}/terminal`);
  const terminal = page.locator("[data-status]").filter({ has: page.getByLabel("Terminal") });
  await expect(terminal).toHaveAttribute("data-status", "connected");
  await expect(page.getByTestId("disconnected-overlay")).toHaveCount(0);
  await page.locator(".xterm-helper-textarea").focus();
  await page.keyboard.type("typed in the browser");
  await page.keyboard.press("Enter");
  await expect(page.locator(".xterm-rows")).toContainText("typed in the browser");

  // Paste from the clipboard, copy a selection to it, Shift+Enter sends ESC CR (the tty echoes ^[).
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.evaluate(() => navigator.clipboard.writeText("pastedword"));
  await page.keyboard.press("Control+V");
  await expect(page.locator(".xterm-rows")).toContainText("pastedword");
  await page.keyboard.press("Enter");
  // The tty's echo and cat's copy: two rows, and nothing moves once both are there.
  const pastedRows = page.locator(".xterm-rows > div").filter({ hasText: /^pastedword\s*$/ });
  await expect(pastedRows).toHaveCount(2);
  // xterm's screen layer takes the pointer events, so the double-click goes to the row's place on it.
  const box = (await pastedRows.first().boundingBox())!;
  await page.mouse.dblclick(box.x + 12, box.y + box.height / 2);
  await page.keyboard.press("Control+Shift+C");
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe("pastedword");
  await page.keyboard.type("before");
  await page.keyboard.press("Shift+Enter");
  await expect(page.locator(".xterm-rows")).toContainText("before^[");
  await shot(page, testInfo, "terminal");

  // The session's size follows the window.
  const agentIdNow = agentUrl.split("/").pop()!;
  const paneSize = () =>
    execFileSync("tmux", [
      ...new LocalRuntime(path.join(process.env.E2E_DATA_DIR!, "broker")).serverArgs(agentIdNow),
      "display-message",
      "-p",
      "-t",
      `=scion-${agentIdNow}:`,
      "#{window_width}",
    ])
      .toString()
      .trim();
  const wide = Number(paneSize());
  await page.setViewportSize({ width: 900, height: 720 });
  await expect.poll(() => Number(paneSize())).toBeLessThan(wide);
  await page.setViewportSize({ width: 1280, height: 720 });
  await expect.poll(() => Number(paneSize())).toBe(wide);

  // A restart ends the session the terminal is attached to: the overlay shows, then clears on reconnect.
  const agentId = agentUrl.split("/").pop()!;
  // With the page's cookie, so from the page's origin: a cookie without it is refused (CSRF).
  const restart = page.request.post(`/api/v1/agents/${agentId}/restart`, {
    headers: { origin: new URL(agentUrl).origin },
  });
  await expect(page.getByTestId("disconnected-overlay")).toBeVisible();
  await expect(page.getByTestId("disconnected-overlay")).toContainText("DISCONNECTED");
  await shot(page, testInfo, "terminal-disconnected");
  const restarted = await restart;
  expect(restarted.status(), await restarted.text()).toBe(200);
  await expect(terminal).toHaveAttribute("data-status", "connected", { timeout: 20_000 });
  await expect(page.getByTestId("disconnected-overlay")).toHaveCount(0);
  expect(await axeProblems(page, ".xterm-rows")).toEqual([]);
});

test("the agent list: filters, search, sorting, grid view remembered, pages past 50, live updates, delete with confirmation", async ({
  page,
  request,
}, testInfo) => {
  // 56 agents created through the API and a long walk through the list: more than the default 30 s.
  test.setTimeout(90_000);
  const { items: projects } = await devApi<{ items: Array<{ id: string; name: string }> }>(
    request,
    "GET",
    "/api/v1/projects",
  );
  const projectId = projects.find((p) => p.name === "Journeys")!.id;
  for (let i = 0; i < 55; i++)
    await devApi(request, "POST", "/api/v1/agents", {
      projectId,
      name: `bulk-${String(i).padStart(2, "0")}`,
      task: `bulk task ${i}`,
    });

  await page.goto("/");
  const rows = page.locator("tbody tr");
  await expect(rows).toHaveCount(50);
  await page.getByRole("button", { name: "Next page" }).click();
  await expect(rows).toHaveCount(6);
  await expect(page.getByText("Page 2")).toBeVisible();
  await page.getByRole("button", { name: "Previous page" }).click();
  await expect(rows).toHaveCount(50);

  await page.getByRole("button", { name: "Running" }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("echo-bot");
  await page.getByRole("button", { name: "Created" }).click();
  await expect(rows).toHaveCount(50);
  await page.getByRole("button", { name: "All", exact: true }).click();

  await page.getByLabel("Search agents").fill("bulk-07");
  await expect(rows).toHaveCount(1);
  await page.getByLabel("Search agents").fill("");

  await page.getByRole("button", { name: "Name" }).click();
  await expect(page.getByRole("columnheader", { name: "Name" })).toHaveAttribute("aria-sort", "ascending");
  await expect(rows.first()).toContainText("bulk-00");
  await page.getByRole("button", { name: "Name" }).click();
  await expect(rows.first()).toContainText("echo-bot");
  await shot(page, testInfo, "agent-list");
  await page.screenshot({ path: testInfo.outputPath("agent-list-viewport.png") });
  expect(await axeProblems(page)).toEqual([]);

  await page.getByRole("button", { name: "Grid view" }).click();
  await expect(page.locator("li[data-agent]")).toHaveCount(50);
  await page.reload();
  await expect(page.getByRole("button", { name: "Grid view" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByLabel("Sort")).toHaveValue("3");
  await shot(page, testInfo, "agent-grid");
  // A tampered preference is ignored, not trusted.
  await page.evaluate(() => localStorage.setItem("scion.agents.view", JSON.stringify("<script>")));
  await page.reload();
  await expect(page.getByRole("button", { name: "List view" })).toHaveAttribute("aria-pressed", "true");

  // Live: an agent created elsewhere appears without a reload.
  await page.getByRole("button", { name: "Name" }).click();
  await page.getByRole("button", { name: "Name" }).click();
  await devApi(request, "POST", "/api/v1/agents", { projectId, name: "zz-arrived-live" });
  await expect(rows.first()).toContainText("zz-arrived-live");

  // Delete asks first; cancelling keeps the agent.
  const row = rows.filter({ hasText: "zz-arrived-live" });
  await row.getByRole("button", { name: "Delete zz-arrived-live" }).click();
  await expect(page.getByRole("dialog", { name: "Delete zz-arrived-live?" })).toBeVisible();
  await shot(page, testInfo, "delete-confirmation");
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(row).toHaveCount(1);
  await row.getByRole("button", { name: "Delete zz-arrived-live" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
  await expect(rows.filter({ hasText: "zz-arrived-live" })).toHaveCount(0);
});
