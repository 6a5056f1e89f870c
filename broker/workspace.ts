import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * Makes the agent's workspace: an empty directory, or a clone of the project's remote. A
 * workspace that already has files (a restart) is kept as it is. A clone goes into a scratch
 * directory renamed into place, so a failed clone leaves nothing behind. Git never prompts
 * (GIT_TERMINAL_PROMPT=0) and the remote comes after `--`, so it cannot pass as an option.
 */
export async function prepareWorkspace(workspace: string, gitRemote: string | null | undefined, onCloning?: () => void): Promise<void> {
  const entries = await fs.readdir(workspace).catch(() => null);
  if (entries && entries.length > 0) return;
  if (!gitRemote) {
    await fs.mkdir(workspace, { recursive: true, mode: 0o700 });
    return;
  }
  onCloning?.();
  const scratch = `${workspace}.clone-${process.pid}-${Date.now()}`;
  try {
    await run("git", ["clone", "--quiet", "--", gitRemote, scratch], { timeout: 10 * 60_000, env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "true" } });
    await fs.rm(workspace, { recursive: true, force: true });
    await fs.rename(scratch, workspace);
  } catch (err) {
    await fs.rm(scratch, { recursive: true, force: true });
    const stderr = String((err as { stderr?: string }).stderr ?? "").trim().split("\n").pop();
    throw new Error(`cloning ${gitRemote} failed: ${stderr || (err as Error).message}`);
  }
}
