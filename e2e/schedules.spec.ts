import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { devApi } from "./support/dev-api";

/**
 * Issue 14, schedules from the page: a one-off message a few seconds ahead, created with the
 * form, runs once (its run shows in the history, the message reaches the agent's shell); pause
 * and delete work from the list.
 */
test.setTimeout(120_000);

const SHELL = { harness: "generic", command: "PS1='$ ' exec bash --norc --noprofile -i" };
const pad = (n: number) => String(n).padStart(2, "0");
/** A datetime-local value in the browser's zone (the machine's), `seconds` from now. */
const localIn = (seconds: number) => {
  const d = new Date(Date.now() + seconds * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};

test("a schedule created from the page runs once and shows its run", async ({ page, request }) => {
  const { id: projectId } = await devApi<{ id: string }>(request, "POST", "/api/v1/projects", {
    name: "Schedule journeys",
  });
  const agent = await devApi<{ id: string }>(request, "POST", "/api/v1/agents", {
    projectId,
    name: "scheduled-shell",
    ...SHELL,
    start: true,
  });
  await page.goto("/schedules");
  await expect(page.getByRole("heading", { name: "Schedules", level: 1 })).toBeVisible();
  const form = page.getByRole("form", { name: "New schedule" });
  await form.getByLabel("Name").fill("say hello soon");
  await form.getByLabel("Agent").selectOption({ label: "scheduled-shell" });
  await form.getByRole("textbox", { name: "Message" }).fill("echo scheduled-$((40+2))");
  await form.getByLabel("Date and time").fill(localIn(8));
  await form.getByRole("button", { name: "Create schedule" }).click();
  const row = page.locator('tr[data-schedule="say hello soon"]');
  await expect(row).toBeVisible();
  const problems = (await new AxeBuilder({ page }).analyze()).violations.filter(
    (v) => v.impact === "serious" || v.impact === "critical",
  );
  expect(problems.map((v) => v.id)).toEqual([]);

  // It runs (live: no reload) and its run is in the history.
  await expect(row.locator("[data-last-run]")).toHaveAttribute("data-last-run", "ok", { timeout: 30_000 });
  await expect(row.locator("[data-next-run]")).toHaveText("done");
  await row.getByRole("button", { name: "Runs" }).click();
  await expect(page.getByRole("list", { name: "Runs" }).locator('[data-run="ok"]')).toHaveCount(1);
  await expect
    .poll(async () => (await devApi<{ text: string }>(request, "GET", `/api/v1/agents/${agent.id}/screen`)).text, {
      timeout: 20_000,
    })
    .toContain("scheduled-42");

  // A refused schedule says why, on the form.
  await form.getByLabel("Name").fill("in the past");
  await form.getByRole("textbox", { name: "Message" }).fill("late");
  await form.getByLabel("Date and time").fill("2020-01-01T10:00:00");
  await form.getByRole("button", { name: "Create schedule" }).click();
  await expect(form.getByRole("alert")).toContainText("runAt is in the past");

  await row.getByRole("button", { name: "Delete say hello soon" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete schedule" }).click();
  await expect(row).toHaveCount(0);
  await devApi(request, "DELETE", `/api/v1/agents/${agent.id}`);
});
