import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { devApi } from "./support/dev-api";
import { startSlowModelServer, type SlowModelServer } from "./support/slow-model-server";

/**
 * The real Claude Code CLI as an agent of the dev hub: created from the dialog, installed by the
 * hub's local broker on first use, talking to the scripted model server on loopback (never the
 * internet). The user's secrets give it the API key and the model server's address. Each model
 * call is held for a few seconds and the tool call sleeps, so every state lasts long enough to see.
 */
const PROJECT = "Claude journey";
const MARK = crypto.randomBytes(4).toString("hex");
const TASK = `CLAUDE-E2E-${MARK}: write hello into proof.txt.`;
const FINAL = `Wrote proof.txt after a three second nap (${MARK}).\nIt says hello, and nothing else changed in the workspace.`;

let model: SlowModelServer;
let projectId: string;
const secretIds: string[] = [];
let agentId: string | undefined;

// The first run on a machine installs Claude Code from npm's cache; a busy two-core machine is slow.
test.describe.configure({ mode: "serial", timeout: 300_000 });

test.beforeAll(async ({ request }) => {
  model = await startSlowModelServer({
    delayMs: 3000,
    script: [{ when: `CLAUDE-E2E-${MARK}`, commands: ["sleep 3; echo hello > proof.txt"], text: FINAL }],
  });
  projectId = (await devApi<{ id: string }>(request, "POST", "/api/v1/projects", { name: PROJECT })).id;
  // User secrets become the agent's environment: the key the credential check wants, and where the API is.
  for (const [name, value] of [
    ["ANTHROPIC_API_KEY", `sk-ant-e2e-${crypto.randomBytes(12).toString("hex")}`],
    ["ANTHROPIC_BASE_URL", model.url],
  ]) {
    secretIds.push(
      (await devApi<{ id: string }>(request, "POST", "/api/v1/secrets", { name, value, scope: "user", target: "env" }))
        .id,
    );
  }
});

// The other journeys count agents and check for missing credentials: leave no agent, project or secret behind.
test.afterAll(async ({ request }) => {
  try {
    for (const id of secretIds) await devApi(request, "DELETE", `/api/v1/secrets/${id}`);
    // Deleting the agent ends its processes and removes its user (global-teardown reaps what a failure leaves).
    if (agentId) await devApi(request, "DELETE", `/api/v1/agents/${agentId}`);
    if (projectId) await devApi(request, "DELETE", `/api/v1/projects/${projectId}`);
  } finally {
    await model?.close();
  }
});

/** Records every label the agent page's header badge shows, in order, from the moment the page loads. */
async function recordBadges(page: Page) {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { badges: string[] }).badges = seen;
    const note = () => {
      const label = location.pathname.startsWith("/agents/")
        ? document.querySelector("header [data-status]")?.getAttribute("data-status")
        : null;
      if (label && seen.at(-1) !== label) seen.push(label);
    };
    new MutationObserver(note).observe(document, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["data-status"],
    });
  });
}

test("a Claude Code agent from the dialog: Thinking, Running Bash, Idle, and its answer as last output", async ({
  page,
  request,
}, testInfo) => {
  await recordBadges(page);
  await page.goto("/");
  await page.getByRole("button", { name: "New agent" }).click();
  const dialog = page.getByRole("dialog", { name: "New agent" });
  await dialog.getByLabel("Name").fill("claude-e2e");
  await dialog.locator(`select[name="projectId"]`).selectOption({ label: PROJECT });
  await dialog.getByLabel("Broker").selectOption({ label: "Local broker (online)" });
  await dialog.getByLabel("Harness", { exact: true }).selectOption({ label: "Claude Code" });
  await dialog.getByLabel("Task").fill(TASK);
  const began = Date.now();
  await dialog.getByRole("button", { name: "Create agent" }).click();

  // Creating with start returns once the agent runs: after the broker installed the CLI if it had to.
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/, { timeout: 180_000 });
  agentId = page.url().split("/").at(-1)!;
  const running = Date.now() - began;
  await expect(page.getByRole("heading", { level: 1, name: "claude-e2e" })).toBeVisible();
  const state = page.getByRole("region", { name: "State" });
  await expect(state.getByText("Claude Code", { exact: true })).toBeVisible();
  await expect(state.getByText(TASK)).toBeVisible();

  // The hub pushes each hook's report over SSE; the badge follows without a reload.
  const badge = page.locator("header [data-status]");
  await expect(badge).toHaveText("Thinking", { timeout: 60_000 });
  const thinking = Date.now() - began;
  await expect(badge).toHaveText("Running Bash", { timeout: 30_000 });
  const bash = Date.now() - began;
  await expect(badge).toHaveText("Idle", { timeout: 30_000 });
  const idle = Date.now() - began;
  const output = page.getByRole("region", { name: "Last output" }).locator("[data-last-output]");
  await expect(output).toHaveText(FINAL);
  expect(await output.evaluate((el) => getComputedStyle(el).whiteSpace)).toBe("pre-wrap");
  await expect(state.getByText("Running", { exact: true })).toBeVisible();

  // In order, and never waiting for input: no first-run screen (theme, trust, API key) stopped it.
  const badges = await page.evaluate(() => (window as unknown as { badges: string[] }).badges);
  const at = (label: string, from = 0) => badges.indexOf(label, from);
  expect(at("Running Bash"), badges.join(" → ")).toBeGreaterThan(at("Thinking"));
  expect(at("Thinking"), badges.join(" → ")).toBeGreaterThanOrEqual(0);
  expect(at("Idle", at("Running Bash")), badges.join(" → ")).toBeGreaterThan(at("Running Bash"));
  expect(badges).not.toContain("Waiting for input");
  expect(badges).not.toContain("Error");
  const { items: history } = await devApi<{ items: Array<{ activity: string | null }> }>(
    request,
    "GET",
    `/api/v1/agents/${agentId}/history`,
  );
  expect(history.map((h) => h.activity)).not.toContain("waiting_for_input");
  // The model heard the task, and the command's sleep is what the badge showed as Running Bash.
  expect(model.turns().some((r) => r.userTexts.some((u) => u.includes(TASK)))).toBe(true);
  expect(model.turns().filter((r) => r.answer === "tool-call")).toHaveLength(1);
  const proof = path.join(process.env.E2E_DATA_DIR!, "broker", "workspaces", agentId, "proof.txt");
  expect(fs.readFileSync(proof, "utf8")).toBe("hello\n");

  // The README's picture of an assistant at work (the test directory is e2e/).
  const screenshot = path.join(testInfo.project.testDir, "..", "docs", "screenshots", "claude-agent.png");
  fs.mkdirSync(path.dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });

  // The list: the same badge, and the answer on one line.
  await page.getByRole("link", { name: "← Agents" }).click();
  await page.getByLabel("Search agents").fill("claude-e2e");
  const row = page.locator("tbody tr", { has: page.getByRole("link", { name: "claude-e2e", exact: true }) });
  await expect(row.locator("[data-status]")).toHaveAttribute("data-status", "Idle");
  const line = row.locator("[data-last-output]");
  await expect(line).toHaveText(`Last output: ${FINAL.replace(/\s+/g, " ")}`);
  expect(
    await line.evaluate((el) => ({
      overflow: getComputedStyle(el).textOverflow,
      lines: Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)),
    })),
  ).toEqual({
    overflow: "ellipsis",
    lines: 1,
  });

  // Deleting it from the list ends the CLI and every process of the agent's user, then the user.
  await row.getByRole("button", { name: "Delete claude-e2e" }).click();
  await page.getByRole("dialog", { name: "Delete claude-e2e?" }).getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Deleted claude-e2e." })).toBeVisible({ timeout: 30_000 });
  await expect(row).toHaveCount(0);
  expect(fs.readFileSync("/etc/passwd", "utf8")).not.toContain(`scion agent ${agentId}`);
  expect(fs.existsSync(path.join(process.env.E2E_DATA_DIR!, "broker", "workspaces", agentId))).toBe(false);
  agentId = undefined;
  console.log(
    `claude journey: running after ${running} ms, Thinking at ${thinking} ms, Running Bash at ${bash} ms, Idle at ${idle} ms; badges ${badges.join(" → ")}`,
  );
});
