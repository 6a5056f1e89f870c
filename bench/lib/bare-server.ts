import { spawn, type ChildProcess } from "node:child_process";
import { findFreePort } from "../../lib/db/embedded-postgres";

/** A bare Node http server in its own process answering every request with the same bytes. */
export async function startBareServer(body: string): Promise<{ url: string; stop: () => void }> {
  const port = await findFreePort();
  const script = `require("node:http").createServer((q, s) => { s.writeHead(200, {"content-type": "application/json"}); s.end(${JSON.stringify(body)}); }).listen(${port}, "127.0.0.1", () => console.log("up"));`;
  const child: ChildProcess = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve) => child.stdout!.once("data", resolve));
  return { url: `http://127.0.0.1:${port}/`, stop: () => child.kill("SIGTERM") };
}
