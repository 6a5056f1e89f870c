import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findFreePort } from "../../lib/db/embedded-postgres";

/**
 * A bare Node http server in its own process answering every request with the same bytes (with
 * `status` 204: no body, after reading the request's).
 */
export async function startBareServer(
  body: string,
  contentType = body.trimStart().startsWith("<") ? "text/html; charset=utf-8" : "application/json",
  status = 200,
): Promise<{ url: string; stop: () => void }> {
  const port = await findFreePort();
  // The body goes through a file: a large page would not fit on a command line.
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "scion-bare-")), "body");
  fs.writeFileSync(file, body);
  const answer =
    status === 204
      ? `q.resume(); q.on("end", () => { s.writeHead(204); s.end(); });`
      : `s.writeHead(${status}, {"content-type": ${JSON.stringify(contentType)}}); s.end(body);`;
  const script = `const body = require("node:fs").readFileSync(${JSON.stringify(file)}); require("node:http").createServer((q, s) => { ${answer} }).listen(${port}, "127.0.0.1", () => console.log("up"));`;
  const child: ChildProcess = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve) => child.stdout!.once("data", resolve));
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () => {
      child.kill("SIGTERM");
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    },
  };
}
