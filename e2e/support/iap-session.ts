import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { IAP_PROXY_URL } from "../../playwright.config";

/** The IAP stand-in's sign-in cookie (see iap-proxy.mjs): the person it asserts to the hub. */
const IAP_COOKIE = "GCP_IAP_E2E_USER";

/** Opens a page through the IAP stand-in, which sends a newcomer to its sign-in form first. */
export async function signInThroughIap(page: Page, email: string, pathname = "/"): Promise<void> {
  await page.goto(`${IAP_PROXY_URL}${pathname}`);
  await expect(page).toHaveURL(`${IAP_PROXY_URL}/_gcp_iap/e2e_sign_in?continue=${encodeURIComponent(pathname)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(`${IAP_PROXY_URL}${pathname}`);
}

/**
 * Calls the hub's API through the IAP stand-in as a signed-in person, as their browser would
 * (IAP identity, the hub's own Origin); throws on an error status.
 */
export async function iapApi<T = Record<string, unknown>>(
  request: APIRequestContext,
  email: string,
  method: string,
  pathname: string,
  body?: unknown,
): Promise<T> {
  const res = await request.fetch(`${IAP_PROXY_URL}${pathname}`, {
    method,
    headers: {
      cookie: `${IAP_COOKIE}=${encodeURIComponent(email)}`,
      origin: IAP_PROXY_URL,
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok()) throw new Error(`${method} ${pathname} as ${email}: HTTP ${res.status()} ${await res.text()}`);
  return (res.status() === 204 ? null : await res.json()) as T;
}
