import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { devApi } from "./support/dev-api";

/**
 * Issue 14, notification settings in the dashboard: a webhook channel added on the page (its
 * secret shown once) and its "Send a test" reaching a real receiver; browser notifications asked
 * for only on a click; subscriptions saved; an agent's message then shows as a notice in the page.
 */
test.setTimeout(120_000);

const SHELL = { harness: "generic", command: "PS1='$ ' exec bash --norc --noprofile -i" };

test("add a webhook, send a test, turn on browser notifications, hear of an agent's message", async ({
  page,
  request,
  context,
}) => {
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    await page.goto("/");
    await page
      .getByRole("button", { name: /dev|Developer|@/ })
      .last()
      .click();
    await page.getByRole("menuitem", { name: "Notifications" }).click();
    await expect(page.getByRole("heading", { name: "Notifications", level: 1 })).toBeVisible();

    const form = page.getByRole("form", { name: "Add a channel" });
    await form.getByLabel("Name").fill("my hook");
    await form.getByLabel("URL").fill(url);
    await form.getByRole("button", { name: "Add channel" }).click();
    await expect(page.getByTestId("webhook-secret")).toHaveText(/^whsec_/);
    const channel = page.locator('[data-channel="my hook"]');
    await channel.getByRole("button", { name: "Send a test" }).click();
    await expect(page.getByText("Test sent to my hook.")).toBeVisible();
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.body)).toMatchObject({ kind: "test" });
    expect(received[0]!.headers["x-scion-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);

    // Asked for only on the click.
    await context.grantPermissions(["notifications"]);
    await page.getByRole("button", { name: "Turn on browser notifications" }).click();
    await expect(page.getByText("Browser notifications are on here.")).toBeVisible();

    // Subscribe to messages from my agents, then one of them says something.
    await page.getByRole("checkbox", { name: "A message from the agent" }).first().check();
    await page.getByRole("button", { name: "Save subscriptions" }).click();
    await expect(page.getByText("Subscriptions saved.")).toBeVisible();
    const { id: projectId } = await devApi<{ id: string }>(request, "POST", "/api/v1/projects", {
      name: "Notify journeys",
    });
    const agent = await devApi<{ id: string }>(request, "POST", "/api/v1/agents", {
      projectId,
      name: "talker",
      ...SHELL,
      start: true,
    });
    await devApi(request, "POST", `/api/v1/agents/${agent.id}/messages`, {
      body: 'scion-agent say "the build is green"',
    });
    await expect(page.getByRole("status").filter({ hasText: "talker: the build is green" })).toBeVisible({
      timeout: 20_000,
    });
    await expect
      .poll(() => received.filter((r) => r.body.includes("the build is green")).length, { timeout: 20_000 })
      .toBe(1);
    await devApi(request, "DELETE", `/api/v1/agents/${agent.id}`);
  } finally {
    receiver.close();
  }
});
