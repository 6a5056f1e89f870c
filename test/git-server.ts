import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";

export interface GitServer {
  /** The remote: `http://<host>:<port>/repo.git`. */
  url: string;
  port: number;
  /** Requests that carried the password (when one is required). */
  authorized(): number;
  close(): Promise<void>;
}

/**
 * A bare repository with one commit holding `files`, served over git's "dumb" HTTP protocol
 * (static files after update-server-info), optionally behind Basic auth (user `git`).
 */
export async function serveGitRepo(opts: {
  files: Record<string, string>;
  host?: string;
  password?: string;
  urlHost?: string;
}): Promise<GitServer> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "scion-git-"));
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: scratch,
      env: {
        ...process.env,
        GIT_CONFIG_GLOBAL: "/dev/null",
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@e",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@e",
      },
    });
  git("init", "-q", "-b", "main", "src");
  for (const [name, text] of Object.entries(opts.files)) fs.writeFileSync(path.join(scratch, "src", name), text);
  git("-C", "src", "add", ".");
  git("-C", "src", "commit", "-q", "-m", "first");
  git("clone", "-q", "--bare", "src", "repo.git");
  git("-C", "repo.git", "update-server-info");
  const repo = path.join(scratch, "repo.git");
  let authorized = 0;
  const server = http.createServer((req, res) => {
    if (opts.password !== undefined) {
      if (req.headers.authorization !== `Basic ${Buffer.from(`git:${opts.password}`).toString("base64")}`)
        return void res.writeHead(401, { "www-authenticate": 'Basic realm="git"' }).end();
      authorized++;
    }
    const file = path.join(
      repo,
      decodeURIComponent(new URL(req.url!, "http://x").pathname).replace(/^\/repo\.git/, ""),
    );
    if (!file.startsWith(repo) || !fs.existsSync(file) || fs.statSync(file).isDirectory())
      return void res.writeHead(404).end();
    res.writeHead(200).end(fs.readFileSync(file));
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${opts.urlHost ?? host}:${port}/repo.git`,
    port,
    authorized: () => authorized,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      fs.rmSync(scratch, { recursive: true, force: true });
    },
  };
}
