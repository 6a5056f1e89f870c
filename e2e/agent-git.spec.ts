import { expect, test } from "@playwright/test";
import { serveGitRepo, type GitServer } from "../test/git-server";
import { devApi } from "./support/dev-api";

/**
 * An agent of a project with a repository: its own branch from the project's default branch, and
 * the agent page's short git status asked of the broker — one commit ahead, then a changed file.
 */
let server: GitServer;
let projectId: string | undefined;
let agentId: string | undefined;

test.describe.configure({ mode: "serial", timeout: 120_000 });

test.beforeAll(async () => {
  server = await serveGitRepo({ files: { "README.md": "# Workspace journey\n" }, smart: true });
});
test.afterAll(async ({ request }) => {
  try {
    if (agentId) await devApi(request, "DELETE", `/api/v1/agents/${agentId}`);
    if (projectId) await devApi(request, "DELETE", `/api/v1/projects/${projectId}`);
  } finally {
    await server?.close();
  }
});

test("the agent page shows the agent's branch and its workspace's git status from the broker", async ({
  page,
  request,
}) => {
  projectId = (
    await devApi<{ id: string }>(request, "POST", "/api/v1/projects", {
      name: "Workspace journey",
      gitRemote: server.url,
    })
  ).id;
  const agent = await devApi<{ id: string; phase: string; branch: string }>(request, "POST", "/api/v1/agents", {
    projectId,
    name: "committer",
    harness: "generic",
    command:
      'echo work > work.txt && git add work.txt && git commit -q -m work && echo COMMITTED && read line && echo "$line" > notes.txt; exec cat',
    start: true,
  });
  agentId = agent.id;
  expect(agent).toMatchObject({ phase: "running", branch: "scion/committer" });

  await page.goto(`/agents/${agent.id}`);
  const state = page.getByRole("region", { name: "State" });
  await expect(state.locator("[data-git-branch]")).toHaveText("scion/committer from main");
  await expect(state.locator("[data-git-status]")).toHaveText("1 ahead, 0 behind main · clean", { timeout: 30_000 });

  // A file the agent writes shows at the next look (the page asks again every 15 s while it runs).
  await devApi(request, "POST", `/api/v1/agents/${agent.id}/messages`, { body: "a note" });
  await expect(state.locator("[data-git-status]")).toHaveText("1 ahead, 0 behind main · 1 changed file", {
    timeout: 40_000,
  });
});
