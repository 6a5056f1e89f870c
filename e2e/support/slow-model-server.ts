/**
 * The scripted model server (test/support/model-server.ts) behind a front that holds each model
 * call for a while before passing it on: a real assistant then stays "Thinking" long enough for a
 * person (and a journey polling the page) to see it. Both listen on 127.0.0.1 only.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startModelServer, type ModelServer, type ModelServerOptions } from "../../test/support/model-server";

export interface SlowModelServer extends Omit<ModelServer, "url"> {
  /** The front's `http://127.0.0.1:<port>`: what the agent's ANTHROPIC_BASE_URL points at. */
  url: string;
}

/** Starts the scripted server and a front that delays every model call (not token counts) by `delayMs`. */
export async function startSlowModelServer(opts: ModelServerOptions & { delayMs: number }): Promise<SlowModelServer> {
  const inner = await startModelServer(opts);
  const target = new URL(inner.url);
  const front = http.createServer((req, res) => {
    const modelCall = req.method === "POST" && !/count_?tokens/i.test(req.url ?? "");
    const forward = () => {
      const upstream = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
      req.pipe(upstream);
    };
    // The request body waits in the socket until it is piped on.
    if (modelCall) setTimeout(forward, opts.delayMs);
    else forward();
  });
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  const { port } = front.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: inner.requests,
    turns: inner.turns,
    close: async () => {
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await inner.close();
    },
  };
}
