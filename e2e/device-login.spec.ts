import { expect, test } from "@playwright/test";

/**
 * `scion login`'s approval in the dashboard: the command line starts a device sign-in (here its
 * API calls, made the same way), the signed-in person follows the printed link to /device, sees
 * the code filled in, approves it, and the command line's next poll receives a working token.
 */
test("device sign-in: the /device page approves the code the command line shows", async ({ page, request }) => {
  const start = await request.post("/api/v1/auth/device", { data: { clientName: "scion CLI on e2e-box" } });
  expect(start.status()).toBe(201);
  const flow = (await start.json()) as { deviceCode: string; userCode: string; verificationUriComplete: string };
  const poll = () => request.post("/api/v1/auth/device/token", { data: { deviceCode: flow.deviceCode } });
  expect((await poll()).status()).toBe(428);

  await page.goto(new URL(flow.verificationUriComplete).pathname + new URL(flow.verificationUriComplete).search);
  await expect(page.getByRole("heading", { name: "Sign in a command line" })).toBeVisible();
  await expect(page.getByLabel("Code")).toHaveValue(flow.userCode);
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("status")).toContainText("Approved: scion CLI on e2e-box is now signed in as you.");

  // A wrong code is refused with the hub's words.
  await page.goto("/device");
  await page.getByLabel("Code").fill("ZZZZ-ZZZZ");
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "No sign-in is waiting" })).toContainText(
    "No sign-in is waiting for this code; it may have expired.",
  );

  await expect.poll(async () => (await poll()).status(), { intervals: [2500], timeout: 20_000 }).toBe(200);
});
