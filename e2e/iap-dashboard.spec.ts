import { generateKeyPair, SignJWT, type JWK } from "jose";
import { expect, test, type Page } from "@playwright/test";
import WebSocket from "ws";
import { IAP_AUDIENCE, IAP_HUB_URL, IAP_KEYS_URL, IAP_PROXY_URL } from "../playwright.config";
import { iapApi, signInThroughIap } from "./support/iap-session";

// The dashboard as most teams reach it: through Google IAP (here its stand-in, iap-proxy.mjs),
// in front of a proxy-mode hub with its local broker.
const ADMIN = "ada@example.com";
const MEMBER = "bob@example.com";
const PROJECT = "Behind IAP";

/** How long the live-updates test holds one page open: three times the 60 s a signed identity header lives. */
const HOLD_MS = 180_000;
const CHANGE_EVERY_MS = 30_000;

type Agent = { id: string; name: string; phase: string };

async function agentNamed(request: Parameters<typeof iapApi>[0], name: string): Promise<Agent> {
  const { items } = await iapApi<{ items: Agent[] }>(
    request,
    ADMIN,
    "GET",
    `/api/v1/agents?q=${encodeURIComponent(name)}`,
  );
  return items.find((a) => a.name === name)!;
}

/**
 * Signs in through IAP and waits until the dashboard is live: its event stream is open, so React
 * has hydrated the page and its buttons act (the first page of a fresh hub is slow to get there).
 */
async function openDashboard(page: Page, email: string): Promise<void> {
  await signInThroughIap(page, email);
  await expect(page.locator("html")).toHaveAttribute("data-events", "open", { timeout: 15_000 });
}

/** Records every state the page's event stream reports (<html data-events>) and when, from the first paint on. */
async function recordEventStream(
  page: Page,
): Promise<{ states: () => Promise<Array<{ state: string; at: number }>>; requests: string[] }> {
  await page.addInitScript(() => {
    const states: Array<{ state: string; at: number }> = [];
    (window as unknown as { __eventStates: typeof states }).__eventStates = states;
    // <html> may not be parsed yet when this runs: watch the whole document for the attribute.
    const observer = new MutationObserver((records) => {
      for (const r of records)
        states.push({ state: (r.target as Element).getAttribute("data-events") ?? "", at: Date.now() });
    });
    observer.observe(document, { subtree: true, attributes: true, attributeFilter: ["data-events"] });
  });
  const requests: string[] = [];
  page.on("request", (r) => new URL(r.url()).pathname === "/api/v1/events" && requests.push(r.url()));
  return {
    states: () =>
      page.evaluate(() => (window as unknown as { __eventStates: Array<{ state: string; at: number }> }).__eventStates),
    requests,
  };
}

// Creating agents waits for the broker to start them; give each test room on a busy machine.
test.describe.configure({ mode: "serial", timeout: 90_000 });

test("the dashboard loads as the person IAP signed in", async ({ page, request }, testInfo) => {
  await openDashboard(page, ADMIN);
  await expect(page.getByRole("heading", { level: 1, name: "Agents" })).toBeVisible();
  await expect(page.getByText("Dev mode")).toHaveCount(0);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" })).toBeVisible();
  await page.getByRole("button", { name: ADMIN }).click();
  await expect(page.getByRole("menu", { name: "Account" })).toContainText(ADMIN);
  await page.screenshot({ path: testInfo.outputPath("iap-dashboard.png"), fullPage: true });

  const me = await page.request.get(`${IAP_PROXY_URL}/api/v1/auth/me`);
  expect(me.status()).toBe(200);
  expect(await me.json()).toMatchObject({ email: ADMIN, role: "admin", status: "active", kind: "user" });
  const project = await iapApi<{ id: string }>(request, ADMIN, "POST", "/api/v1/projects", { name: PROJECT });
  // An agent started through the API, whose status the live-updates test changes.
  await iapApi(request, ADMIN, "POST", "/api/v1/agents", {
    projectId: project.id,
    name: "pulse",
    harness: "generic",
    command: "exec cat",
    start: true,
  });
});

test("the terminal works through the proxy's WebSocket forwarding", async ({ page }, testInfo) => {
  await openDashboard(page, ADMIN);
  await page.getByRole("button", { name: "New agent" }).click();
  const dialog = page.getByRole("dialog", { name: "New agent" });
  await dialog.getByLabel("Name").fill("echo-bot");
  await dialog.getByLabel("Harness").selectOption("generic");
  await dialog.getByRole("textbox", { name: "Command" }).fill("exec cat");
  await dialog.getByRole("button", { name: "Create agent" }).click();
  // Creating waits for the broker to start the agent.
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/, { timeout: 20_000 });
  await expect(page.locator("header [data-status]")).toHaveAttribute("data-status", /Idle|Running/);

  const socket = page.waitForEvent("websocket");
  await page.goto(`${page.url()}/terminal`);
  expect((await socket).url()).toMatch(
    new RegExp(`^${IAP_PROXY_URL.replace("http", "ws")}/api/v1/agents/[0-9a-f-]{36}/pty\\?`),
  );
  const terminal = page.locator("[data-status]").filter({ has: page.getByLabel("Terminal") });
  await expect(terminal).toHaveAttribute("data-status", "connected");
  await page.locator(".xterm-helper-textarea").focus();
  await page.keyboard.type("typed behind IAP");
  await page.keyboard.press("Enter");
  // The tty's echo and cat's copy of the line: both came back through the proxy.
  await expect(page.locator(".xterm-rows > div").filter({ hasText: /^typed behind IAP\s*$/ })).toHaveCount(2);
  await page.screenshot({ path: testInfo.outputPath("iap-terminal.png"), fullPage: true });
});

test("an admin resets auth of all running agents from Maintenance", async ({ page, request }, testInfo) => {
  const { items } = await iapApi<{ items: Agent[] }>(request, ADMIN, "GET", "/api/v1/agents?phase=running&limit=500");
  expect(items.map((a) => a.name).sort()).toEqual(["echo-bot", "pulse"]);
  await openDashboard(page, ADMIN);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
  await expect(page).toHaveURL(`${IAP_PROXY_URL}/admin/maintenance`);
  const quick = page.getByRole("region", { name: "Quick Actions" });
  await quick.getByRole("button", { name: "Reset Auth — All Running Agents" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Reset all" }).click();
  await expect(quick.locator("[data-run-status]")).toHaveAttribute("data-run-status", "completed");
  await expect(quick.getByRole("status")).toHaveText("2 of 2 agents · 2 succeeded · 0 failed");
  const results = quick.getByRole("list", { name: "Reset auth results" }).getByRole("listitem");
  await expect(results).toHaveCount(2);
  await expect(results.filter({ hasText: "✓ echo-bot" })).toHaveCount(1);
  await expect(results.filter({ hasText: "✓ pulse" })).toHaveCount(1);
  await page.screenshot({ path: testInfo.outputPath("iap-reset-all.png"), fullPage: true });
});

test("a member sees only their own agents", async ({ page, request }, testInfo) => {
  const adminAgent = await agentNamed(request, "echo-bot");
  await openDashboard(page, MEMBER);
  await expect(page.getByRole("button", { name: MEMBER })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" })).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "No agents yet" })).toBeVisible();

  await page.getByRole("button", { name: "New agent" }).click();
  const dialog = page.getByRole("dialog", { name: "New agent" });
  await dialog.getByLabel("Name").fill("bob-bot");
  await dialog.getByLabel("Harness").selectOption("generic");
  await dialog.getByRole("textbox", { name: "Command" }).fill("exec cat");
  await dialog.getByRole("button", { name: "Create agent" }).click();
  // Creating waits for the broker to start the agent.
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/, { timeout: 20_000 });

  await page.goto(`${IAP_PROXY_URL}/`);
  const rows = page.locator("tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-agent", "bob-bot");
  await page.screenshot({ path: testInfo.outputPath("iap-member.png"), fullPage: true });
  const theirs = await page.request.get(`${IAP_PROXY_URL}/api/v1/agents`);
  expect(((await theirs.json()) as { items: Agent[] }).items.map((a) => a.name)).toEqual(["bob-bot"]);
  // The admin's agent does not exist as far as a member can tell.
  // (The page streams behind its loading state, so the status line is already 200 by then.)
  await page.goto(`${IAP_PROXY_URL}/agents/${adminAgent.id}`);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expect(page.getByText("echo-bot")).toHaveCount(0);
});

test("signing out goes to IAP's clear-login address, and the next visit asks to sign in again", async ({
  page,
}, testInfo) => {
  await openDashboard(page, MEMBER);
  await page.getByRole("button", { name: MEMBER }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(`${IAP_PROXY_URL}/_gcp_iap/clear_login_cookie`);
  await expect(page.getByRole("heading", { name: "You have been signed out" })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("iap-signed-out.png"), fullPage: true });
  await page.getByRole("link", { name: "Sign in again" }).click();
  await expect(page).toHaveURL(`${IAP_PROXY_URL}/_gcp_iap/e2e_sign_in?continue=%2F`);
  expect((await page.request.get(`${IAP_PROXY_URL}/api/v1/auth/me`)).status()).toBe(401);
});

test("whatever does not come through IAP is refused", async ({ page, request }, testInfo) => {
  // Straight to the hub: no identity, or only the unsigned headers IAP adds (and a forged internal one).
  const spoofs: Array<Record<string, string>> = [
    {},
    {
      "x-goog-authenticated-user-email": `accounts.google.com:${ADMIN}`,
      "x-goog-authenticated-user-id": "accounts.google.com:1",
      "x-scion-identity": "forged.0.x",
    },
  ];
  for (const headers of spoofs) {
    for (const pathname of ["/api/v1/auth/me", "/api/v1/agents", "/api/v1/events"]) {
      const res = await request.get(`${IAP_HUB_URL}${pathname}`, { headers });
      expect(res.status(), `${pathname} with ${Object.keys(headers).join(", ") || "no identity"}`).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
    }
  }
  // An assertion like IAP's in every claim, with IAP's key id, but signed by someone else's key.
  const { keys } = (await (await request.get(IAP_KEYS_URL)).json()) as { keys: JWK[] };
  const { privateKey } = await generateKeyPair("ES256");
  const forged = await new SignJWT({ email: `accounts.google.com:${ADMIN}` })
    .setProtectedHeader({ alg: "ES256", kid: keys[0]!.kid!, typ: "JWT" })
    .setIssuer("https://cloud.google.com/iap")
    .setAudience(IAP_AUDIENCE)
    .setSubject("accounts.google.com:1")
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(privateKey);
  await page.setExtraHTTPHeaders({ "x-goog-iap-jwt-assertion": forged });
  const refused = await page.goto(`${IAP_HUB_URL}/`);
  expect(refused?.status()).toBe(401);
  await expect(page.getByRole("heading", { name: "Access refused" })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("iap-forged.png"), fullPage: true });
  await page.setExtraHTTPHeaders({});

  // A browser straight at the hub gets the sign-in explanation, never the dashboard.
  await page.goto(`${IAP_HUB_URL}/`);
  await expect(page).toHaveURL(`${IAP_HUB_URL}/login?callbackUrl=%2F`);
  await expect(page.getByText("This hub signs you in through Google IAP")).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name: "Agents" })).toHaveCount(0);

  // The terminal's WebSocket straight at the hub.
  const echoBot = await agentNamed(request, "echo-bot");
  const upgrade = await new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(`${IAP_HUB_URL.replace("http", "ws")}/api/v1/agents/${echoBot.id}/pty`, {
      headers: { origin: IAP_PROXY_URL },
    });
    ws.once("unexpected-response", (req, res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    ws.once("open", () => reject(new Error("the hub opened a terminal without IAP")));
    ws.once("error", reject);
  });
  expect(upgrade).toBe(401);

  // Someone IAP lets through but the hub does not allow is refused and told why.
  await signInThroughIap(page, "mallory@evil.test");
  await expect(page.getByRole("heading", { name: "Access refused" })).toBeVisible();
  await expect(page.getByText("mallory@evil.test is not allowed to sign in to this hub.")).toBeVisible();
  expect((await page.reload())?.status()).toBe(403);
});

test("live updates keep arriving over one event stream for three minutes", async ({ page, request }, testInfo) => {
  test.setTimeout(HOLD_MS + 60_000);
  const pulse = await agentNamed(request, "pulse");
  const stream = await recordEventStream(page);
  await openDashboard(page, ADMIN);
  const status = page.locator('tr[data-agent="pulse"] [data-status]');
  await expect(status).toHaveAttribute("data-status", /Idle|Running/);
  const openedAt = Date.now();

  // Stop and start the agent through the API every 30 s; each change shows in the open page
  // without a reload, and the page's one event stream never dropped. The wait between changes is
  // the point: the stream must outlive the 60 s lifetime of the identity the hub first checked it
  // with, several times over.
  const since = (at: number) => `${Math.round((at - openedAt) / 1000)} s`;
  let stopped = false;
  for (let change = 1; change * CHANGE_EVERY_MS <= HOLD_MS; change++) {
    await page.waitForTimeout(Math.max(0, openedAt + change * CHANGE_EVERY_MS - Date.now()));
    stopped = !stopped;
    await iapApi(request, ADMIN, "POST", `/api/v1/agents/${pulse.id}/${stopped ? "stop" : "start"}`);
    await expect(status, `change ${change} at ${since(Date.now())}`).toHaveAttribute(
      "data-status",
      stopped ? "Stopped" : /Idle|Running/,
      { timeout: 10_000 },
    );
    // A drop would show as "reconnecting" (and the reconnect refetches every query on the page).
    const states = await stream.states();
    expect(
      states.map((s) => `${s.state} at ${since(s.at)}`),
      `the event stream, after change ${change}`,
    ).toEqual([`open at ${since(states[0]!.at)}`]);
  }
  expect(stream.requests).toHaveLength(1);
  await page.screenshot({ path: testInfo.outputPath("iap-live.png"), fullPage: true });
});
