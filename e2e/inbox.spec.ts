import { expect, test } from "@playwright/test";
import { devApi } from "./support/dev-api";

/**
 * Issue 14, agents talk back: an agent's `scion-agent ask` raises the unread count of the inbox
 * tray in the header while the page is open (no reload), the tray links to the agent, and the
 * answer given on the agent's page reaches the agent's session.
 */
test.setTimeout(120_000);

const SHELL = { harness: "generic", command: "PS1='$ ' exec bash --norc --noprofile -i" };

test("an ask raises the tray's count live; answering on the agent's page reaches the agent", async ({
  page,
  request,
}) => {
  const { id: projectId } = await devApi<{ id: string }>(request, "POST", "/api/v1/projects", {
    name: "Inbox journeys",
  });
  const agent = await devApi<{ id: string }>(request, "POST", "/api/v1/agents", {
    projectId,
    name: "asker",
    ...SHELL,
    start: true,
  });
  await page.goto("/");
  const tray = page.getByTestId("inbox-button");
  await expect(tray).toHaveAttribute("data-unread", /\d+/);
  const before = Number(await tray.getAttribute("data-unread"));

  // The agent asks, as a harness would: its shell runs the shim's ask.
  await devApi(request, "POST", `/api/v1/agents/${agent.id}/messages`, {
    body: 'scion-agent ask "Ship it to production?"',
  });
  await expect(tray).toHaveAttribute("data-unread", String(before + 1), { timeout: 20_000 });
  await expect(tray).toHaveAccessibleName(`Inbox, ${before + 1} unread`);

  await tray.click();
  const dialog = page.getByRole("dialog", { name: "Messages from agents" });
  const marked = page.waitForResponse((r) => r.url().includes("/api/v1/inbox/") && r.request().method() === "POST");
  await dialog.getByRole("link", { name: /asker asks/ }).click();
  const markedRes = await marked;
  expect(markedRes.status(), await markedRes.text()).toBe(200);
  await expect(page).toHaveURL(new RegExp(`/agents/${agent.id}`));
  await expect(tray).toHaveAttribute("data-unread", String(before));

  const question = page
    .locator('[data-message="from-agent"][data-kind="ask"]')
    .filter({ hasText: "Ship it to production?" });
  await expect(question).toBeVisible();
  await question.getByRole("button", { name: "Answer" }).click();
  await expect(page.getByTestId("answering")).toContainText("Ship it to production?");
  await page.getByRole("textbox", { name: "Your answer" }).fill("echo answered-$((40+2))");
  await page.getByRole("button", { name: "Send answer" }).click();
  await expect(
    page.locator('[data-message="dispatched"]').filter({ hasText: "echo answered-$((40+2))" }),
  ).toBeVisible();

  // The answer was typed into the agent's session: the shell ran it.
  await expect
    .poll(async () => (await devApi<{ text: string }>(request, "GET", `/api/v1/agents/${agent.id}/screen`)).text, {
      timeout: 20_000,
    })
    .toContain("answered-42");
  await devApi(request, "DELETE", `/api/v1/agents/${agent.id}`);
});
