import { expect, test, type Page } from "@playwright/test";
import { OAUTH_HUB_URL } from "../playwright.config";

/** From the hub's login page: the provider button, then oidc-provider's development login and consent forms. */
async function completeProviderSignIn(page: Page, email: string) {
  await page.getByRole("button", { name: "Sign in with Test SSO" }).click();
  await page.locator('input[name="login"]').fill(email);
  await page.locator('input[name="password"]').fill("any password");
  await page.locator('button[type="submit"]').click();
  const consent = page.locator('button[type="submit"]', { hasText: /continue/i });
  if (await consent.isVisible().catch(() => false)) await consent.click();
}

async function signInThroughProvider(page: Page, email: string) {
  await page.goto(`${OAUTH_HUB_URL}/`);
  await expect(page).toHaveURL(/\/login(\?callbackUrl=%2F)?$/);
  await completeProviderSignIn(page, email);
}

test("a person signs in through an OpenID Connect provider and lands on the dashboard", async ({ page }, testInfo) => {
  await signInThroughProvider(page, "ada@example.com");
  await expect(page).toHaveURL(`${OAUTH_HUB_URL}/`);
  await expect(page.getByRole("heading", { level: 1, name: "Agents" })).toBeVisible();
  await expect(page.getByText("Dev mode")).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath("oauth-dashboard.png"), fullPage: true });

  const me = await page.request.get(`${OAUTH_HUB_URL}/api/v1/auth/me`);
  expect(me.status()).toBe(200);
  expect(await me.json()).toMatchObject({ email: "ada@example.com", role: "admin", kind: "user" });
});

test("someone outside the allowed domains is refused and told why", async ({ page }, testInfo) => {
  await signInThroughProvider(page, "mallory@evil.test");
  await expect(page).toHaveURL(/\/login\?error=AccessDenied/);
  await expect(page).toHaveURL(/\/login\?error=AccessDenied&reason=not_allowed$/);
  await expect(page.getByRole("main").getByRole("alert")).toHaveText(
    "This email address is not allowed to sign in to this hub. Ask an administrator to add it to the allow list.",
  );
  await page.screenshot({ path: testInfo.outputPath("oauth-refused.png"), fullPage: true });
  expect((await page.request.get(`${OAUTH_HUB_URL}/api/v1/auth/me`)).status()).toBe(401);
});

test("an email the provider has not verified is refused, with the reason", async ({ page }, testInfo) => {
  // An allowed domain, but email_verified is false: whoever typed the address may not own it.
  await signInThroughProvider(page, "unverified-eve@example.com");
  await expect(page).toHaveURL(/\/login\?error=AccessDenied&reason=email_unverified$/);
  await expect(page.getByRole("main").getByRole("alert")).toHaveText(
    "The identity provider has not verified this email address. Verify it there, then sign in again.",
  );
  await page.screenshot({ path: testInfo.outputPath("oauth-unverified.png"), fullPage: true });
  expect((await page.request.get(`${OAUTH_HUB_URL}/api/v1/auth/me`)).status()).toBe(401);
});

test("signing in brings a person back to the page they asked for", async ({ page }) => {
  await page.goto(`${OAUTH_HUB_URL}/brokers`);
  await expect(page).toHaveURL(`${OAUTH_HUB_URL}/login?callbackUrl=%2Fbrokers`);
  await completeProviderSignIn(page, "ada@example.com");
  await expect(page).toHaveURL(`${OAUTH_HUB_URL}/brokers`);
  await expect(page.getByRole("heading", { level: 1, name: "Brokers" })).toBeVisible();
});

test("a click on a sign-in button while the page's script still loads is not lost", async ({ page }) => {
  // The button works through JavaScript: in the server's HTML it is disabled, so a click made
  // before React runs waits for it instead of doing nothing (this journey once timed out so).
  await page.route("**/_next/static/chunks/**", async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.continue();
  });
  await page.goto(`${OAUTH_HUB_URL}/login?callbackUrl=%2Fbrokers`, { waitUntil: "commit" });
  const button = page.getByRole("button", { name: "Sign in with Test SSO" });
  await expect(button).toBeDisabled();
  await completeProviderSignIn(page, "ada@example.com");
  await expect(page).toHaveURL(`${OAUTH_HUB_URL}/brokers`);
});

test("the login page explains each error in its own words, never the link's", async ({ page }) => {
  for (const [code, text] of [
    ["OAuthCallback", "The identity provider's answer could not be verified. Try again."],
    ["Configuration", "Sign-in is misconfigured on this hub. Tell an administrator."],
    ["SomethingNew", "The sign-in failed. Try again."],
    // A reason is a code with fixed text; a link's own words are never shown.
    ["AccessDenied&reason=suspended", "This account is suspended. Ask an administrator to reactivate it."],
    [
      `AccessDenied&reason=${encodeURIComponent("Your account was compromised. Call +1 555 0100.")}`,
      "You are not allowed to sign in to this hub.",
    ],
  ] as const) {
    await page.goto(`${OAUTH_HUB_URL}/login?error=${code}`);
    await expect(page.getByRole("main").getByRole("alert")).toHaveText(text);
  }
});

test("after signing in, a callbackUrl pointing off-site lands on the dashboard instead", async ({ page }) => {
  // Four complete sign-ins through the provider: about 4 s each on an idle machine.
  test.setTimeout(90_000);
  // As raw query strings: a tab (%09) or backslash (%5C) that a browser would drop or read as "/".
  for (const target of [
    "https%3A%2F%2Fevil.example%2Fsteal",
    "/%09/evil.example",
    "/%5Cevil.example",
    "%2F%2Fevil.example",
  ]) {
    await page.context().clearCookies();
    await page.goto(`${OAUTH_HUB_URL}/login?callbackUrl=${target}`);
    await completeProviderSignIn(page, "ada@example.com");
    await expect(page).toHaveURL(`${OAUTH_HUB_URL}/`);
  }
});

test("signing out ends the session: the dashboard asks to sign in again", async ({ page }) => {
  await page.goto(`${OAUTH_HUB_URL}/`);
  await completeProviderSignIn(page, "ada@example.com");
  await expect(page.getByRole("heading", { level: 1, name: "Agents" })).toBeVisible();
  await page.getByRole("button", { name: /^ada/i }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto(`${OAUTH_HUB_URL}/projects`);
  await expect(page).toHaveURL(`${OAUTH_HUB_URL}/login?callbackUrl=%2Fprojects`);
});
