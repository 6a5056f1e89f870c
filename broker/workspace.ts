import fs from "node:fs/promises";
import net from "node:net";
import { resolveGitRemote } from "../lib/net/git-remote-policy";

/** Runs git as the agent (a process of the agent's user, or inside its container). */
export type GitRunner = (args: string[], env: Record<string, string>) => Promise<void>;

export interface CloneOptions {
  /** Internal addresses (loopback, private networks, metadata) are refused unless allowed. */
  allowPrivate: boolean;
  onCloning?: () => void;
  /** The agent's HOME as git sees it (where ssh keeps known_hosts). */
  home: string;
  /** The workspace as git sees it (inside the agent's container); default: `workspace`. */
  target?: string;
  runGit: GitRunner;
}

/**
 * Clones a project's remote into the agent's empty workspace, as the agent. The broker's own
 * credentials never take part: no system or global git config (so no credential helpers or
 * insteadOf rewrites), no ssh agent or keys, no prompts. Only http(s), ssh and git transports
 * (submodules included); redirects are not followed and HTTP(S) connects to the addresses
 * checked against the internal-address policy, so neither a redirect nor a DNS answer that
 * changes after the check can reach an internal service. A workspace that already has files (a
 * restart) is kept; a failed clone leaves no workspace.
 */
export async function cloneWorkspace(workspace: string, remote: string, opts: CloneOptions): Promise<void> {
  const entries = await fs.readdir(workspace).catch(() => null);
  if (entries && entries.length > 0) return;
  opts.onCloning?.();
  try {
    const target = await resolveGitRemote(remote, opts.allowPrivate);
    const pin =
      target.scheme === "http" || target.scheme === "https"
        ? [
            "-c",
            `http.curloptResolve=${target.host}:${target.port}:${target.addresses.map((a) => (net.isIPv6(a) ? `[${a}]` : a)).join(",")}`,
          ]
        : [];
    const env = {
      GIT_TERMINAL_PROMPT: "0",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_ALLOW_PROTOCOL: "http:https:ssh:git",
      GIT_SSH_COMMAND: `ssh -F /dev/null -o BatchMode=yes -o IdentityAgent=none -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${opts.home}/.ssh/known_hosts`,
    };
    await opts.runGit(
      [
        "-c",
        "credential.helper=",
        "-c",
        "http.followRedirects=false",
        ...pin,
        "clone",
        "--quiet",
        "--",
        remote,
        opts.target ?? workspace,
      ],
      env,
    );
  } catch (err) {
    await fs.rm(workspace, { recursive: true, force: true });
    const stderr = String((err as { stderr?: string }).stderr ?? "")
      .trim()
      .split("\n")
      .pop();
    throw new Error(`cloning ${remote} failed: ${stderr || (err as Error).message}`);
  }
}
