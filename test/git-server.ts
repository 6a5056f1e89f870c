import { execFileSync, spawn } from "node:child_process";
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
  /** Requests refused for want of the password. */
  refused(): number;
  /** Bytes of response bodies served so far (packs, refs, files). */
  served(): number;
  /** The served bare repository (to look at what was pushed). */
  repo: string;
  close(): Promise<void>;
}

/**
 * A bare repository with one commit holding `files`, served over git's "dumb" HTTP protocol
 * (static files after update-server-info), or with `smart` over the smart protocol through
 * `git http-backend` (fetch and push), optionally behind Basic auth (user `git`, or `user`).
 */
export async function serveGitRepo(opts: {
  files: Record<string, string>;
  host?: string;
  password?: string;
  /** The Basic auth user the password goes with (default `git`). */
  user?: string;
  urlHost?: string;
  smart?: boolean;
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
  if (opts.smart) git("-C", "repo.git", "config", "http.receivepack", "true");
  let authorized = 0;
  let refused = 0;
  let served = 0;
  const count = (bytes: number) => (served += bytes);
  const server = http.createServer((req, res) => {
    if (opts.password !== undefined) {
      if (
        req.headers.authorization !==
        `Basic ${Buffer.from(`${opts.user ?? "git"}:${opts.password}`).toString("base64")}`
      ) {
        refused++;
        return void res.writeHead(401, { "www-authenticate": 'Basic realm="git"' }).end();
      }
      authorized++;
    }
    if (opts.smart) return void httpBackend(scratch, req, res, count);
    const file = path.join(
      repo,
      decodeURIComponent(new URL(req.url!, "http://x").pathname).replace(/^\/repo\.git/, ""),
    );
    if (!file.startsWith(repo) || !fs.existsSync(file) || fs.statSync(file).isDirectory())
      return void res.writeHead(404).end();
    const body = fs.readFileSync(file);
    count(body.length);
    res.writeHead(200).end(body);
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${opts.urlHost ?? host}:${port}/repo.git`,
    port,
    authorized: () => authorized,
    refused: () => refused,
    served: () => served,
    repo,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      fs.rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** One request through `git http-backend` (CGI): the smart protocol, push included. */
function httpBackend(
  root: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  count: (bytes: number) => void,
): void {
  const url = new URL(req.url!, "http://x");
  const child = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH,
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      REMOTE_USER: "git",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? "GET",
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      ...(req.headers["content-encoding"] && { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] }),
      ...(req.headers["git-protocol"] && { GIT_PROTOCOL: String(req.headers["git-protocol"]) }),
    } as unknown as NodeJS.ProcessEnv,
    stdio: ["pipe", "pipe", "ignore"],
  });
  req.pipe(child.stdin);
  const chunks: Buffer[] = [];
  child.stdout.on("data", (c: Buffer) => chunks.push(c));
  child.on("close", () => {
    const out = Buffer.concat(chunks);
    const split = out.indexOf("\r\n\r\n");
    const head = out.subarray(0, split).toString("utf8").split("\r\n");
    const headers: Record<string, string> = {};
    let status = 200;
    for (const line of head) {
      const [k, ...v] = line.split(":");
      if (!k) continue;
      if (k.toLowerCase() === "status") status = Number(v.join(":").trim().split(" ")[0]);
      else headers[k] = v.join(":").trim();
    }
    const body = out.subarray(split + 4);
    count(body.length);
    res.writeHead(status, headers).end(body);
  });
}
